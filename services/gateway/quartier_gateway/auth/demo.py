"""The fictitious demo accounts (demo-accounts.yaml) and the human-readable list of their logins.

``python -m quartier_gateway.auth.demo`` prints demo-logins.txt from the YAML file.
"""

from __future__ import annotations

import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from quartier_gateway.auth.domain import InvalidAccount, Role, account_problems, parse_role
from quartier_gateway.settings import GATEWAY_DIR

DEMO_ACCOUNTS_FILE = GATEWAY_DIR / "demo-accounts.yaml"
DEMO_LOGINS_FILE = GATEWAY_DIR / "demo-logins.txt"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    display_name: str
    role: Role
    social_area_key: str | None = None
    district_key: str | None = None
    actor_id: uuid.UUID | None = None
    actor_name: str | None = None  # only for demo-logins.txt


def _actor_id(value: Any) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise InvalidAccount(f"actor_id {value!r} is not a UUID") from None


def load_demo_accounts(path: Path = DEMO_ACCOUNTS_FILE) -> list[DemoAccount]:
    data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("accounts"), list):
        raise InvalidAccount(f"{path}: expected a mapping with a list 'accounts'")
    accounts: list[DemoAccount] = []
    seen: set[str] = set()
    for i, entry in enumerate(data["accounts"]):
        if not isinstance(entry, dict):
            raise InvalidAccount(f"{path}: account #{i + 1} is not a mapping")
        try:
            account = DemoAccount(
                username=str(entry["username"]),
                password=str(entry["password"]),
                display_name=str(entry["display_name"]),
                role=parse_role(str(entry["role"])),
                social_area_key=entry.get("social_area_key"),
                district_key=entry.get("district_key"),
                actor_id=_actor_id(entry.get("actor_id")),
                actor_name=entry.get("actor_name"),
            )
        except KeyError as exc:
            raise InvalidAccount(f"{path}: account #{i + 1} lacks {exc.args[0]!r}") from None
        problems = account_problems(
            account.username, account.role, account.social_area_key, account.district_key, actor_id=account.actor_id
        )
        if len(account.password) < 8:
            problems.append("password shorter than 8 characters")
        if account.username in seen:
            problems.append("username appears twice")
        if problems:
            raise InvalidAccount(f"{path}: account {account.username!r}: " + "; ".join(problems))
        seen.add(account.username)
        accounts.append(account)
    return accounts


def render_demo_logins(accounts: list[DemoAccount]) -> str:
    lines = [
        "Quartier – Demo-Zugänge (nur für die lokale Demo; die Personen sind erfunden,",
        "die Passwörter sind absichtlich öffentlich)",
        "",
    ]
    width = max(len(a.username) for a in accounts)
    pwidth = max(len(a.password) for a in accounts)
    for a in accounts:
        scope = ""
        if a.social_area_key and a.actor_id:
            scope = f", Sozialraum {a.social_area_key}, für {a.actor_name or a.actor_id}"
        elif a.social_area_key:
            scope = f", Sozialraum {a.social_area_key}"
        elif a.district_key:
            scope = f", Stadtbezirk {a.district_key}"
        elif a.actor_id:
            scope = f", für {a.actor_name or a.actor_id}"
        lines.append(
            f"Benutzer: {a.username.ljust(width)}  Passwort: {a.password.ljust(pwidth)}  ({a.role.label}{scope})"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render_demo_logins(load_demo_accounts()))
