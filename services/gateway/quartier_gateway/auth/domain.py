"""Pure rules of the gateway: roles and their scope, who may do what, login throttling, safe redirects.

No I/O here. Everything is deterministic given its inputs (time is passed in), so it is easy to test and
clean under ``mypy --strict``.
"""

from __future__ import annotations

import hmac
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit


class Role(StrEnum):
    ADMIN = "admin"
    STEERING_COMMITTEE = "steering_committee"
    AREA_COORDINATOR = "area_coordinator"
    COUNCIL_MEMBER = "council_member"
    COORDINATION_MEMBER = "coordination_member"
    PROVIDER = "provider"

    @property
    def label(self) -> str:
        """The German name shown in the user interface."""
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: "Administration",
    Role.STEERING_COMMITTEE: "Lenkungskreis",
    Role.AREA_COORDINATOR: "Stadtteilkoordination",
    Role.COUNCIL_MEMBER: "Bezirksvertretung",
    Role.COORDINATION_MEMBER: "Koordinierungsrunde",
    Role.PROVIDER: "Träger",
}

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class InvalidAccount(ValueError):
    """An account whose role and scope do not fit together."""


@dataclass(frozen=True)
class Principal:
    """A logged-in member of staff, as far as the rules need to know them."""

    username: str
    display_name: str
    role: Role
    social_area_key: str | None = None
    district_key: str | None = None
    # The registry actor (organisation) a member of a Koordinierungsrunde represents.
    actor_id: uuid.UUID | None = None

    def __post_init__(self) -> None:
        problems = account_problems(
            self.username, self.role, self.social_area_key, self.district_key, actor_id=self.actor_id
        )
        if problems:
            raise InvalidAccount("; ".join(problems))

    @property
    def role_label(self) -> str:
        return self.role.label


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise InvalidAccount(f"unknown role {value!r}") from None


def account_problems(
    username: str,
    role: Role,
    social_area_key: str | None,
    district_key: str | None,
    *,
    actor_id: uuid.UUID | None = None,
) -> list[str]:
    """Why an account is not valid (empty when it is).

    An area coordinator is scoped to exactly one social area, a council member to exactly one district;
    a member of a Koordinierungsrunde to one social area and the one actor (organisation) they represent;
    admins and the steering committee work city-wide and carry no scope. Only that member has an actor.
    """
    problems: list[str] = []
    if not USERNAME_PATTERN.fullmatch(username):
        problems.append(f"username {username!r} must be 2-64 characters of a-z, 0-9, '.', '_' or '-'")
    for name, key in (("social_area_key", social_area_key), ("district_key", district_key)):
        if key is not None and not KEY_PATTERN.fullmatch(key):
            problems.append(f"{name} {key!r} is not a valid key")
    if actor_id is not None and role not in (Role.COORDINATION_MEMBER, Role.PROVIDER):
        problems.append(f"the role {role.value} has no actor_id")
    if role is Role.PROVIDER:
        # The staff of a commissioned provider (Träger): scoped to their organisation only.
        if actor_id is None:
            problems.append("a provider needs an actor_id")
        if social_area_key is not None or district_key is not None:
            problems.append("a provider has no social_area_key and no district_key")
    elif role is Role.COORDINATION_MEMBER:
        if social_area_key is None:
            problems.append("a coordination_member needs a social_area_key")
        if actor_id is None:
            problems.append("a coordination_member needs an actor_id")
        if district_key is not None:
            problems.append("a coordination_member has no district_key")
    elif role is Role.AREA_COORDINATOR:
        if social_area_key is None:
            problems.append("an area_coordinator needs a social_area_key")
        if district_key is not None:
            problems.append("an area_coordinator has no district_key")
    elif role is Role.COUNCIL_MEMBER:
        if district_key is None:
            problems.append("a council_member needs a district_key")
        if social_area_key is not None:
            problems.append("a council_member has no social_area_key")
    elif social_area_key is not None or district_key is not None:
        problems.append(f"the role {role.value} works city-wide and has no scope")
    return problems


# --- what a principal may do --------------------------------------------------------------------------

# The staff of a commissioned provider (Träger) are no city staff: they see their own target agreements only.
STAFF_ROLES = frozenset(Role) - {Role.PROVIDER}


def can_view_staff_pages(principal: Principal | None) -> bool:
    """Every staff role may read the internal pages of every social area (territory data is not personal)."""
    return principal is not None and principal.role in STAFF_ROLES


def can_change_territory(principal: Principal | None) -> bool:
    """Renaming a community centre or moving a residential area is for administrators only."""
    return principal is not None and principal.role is Role.ADMIN


def is_in_scope(principal: Principal | None, social_area_key: str, district_keys: Iterable[str]) -> bool:
    """Whether a social area belongs to the principal's own remit.

    Admins and the steering committee: every area. An area coordinator: their own social area.
    A council member: every social area that touches their district (Westen counts for Mitte, Pelkum
    and Herringen).
    """
    if principal is None:
        return False
    if principal.role in (Role.ADMIN, Role.STEERING_COMMITTEE):
        return True
    if principal.role in (Role.AREA_COORDINATOR, Role.COORDINATION_MEMBER):
        return principal.social_area_key == social_area_key
    return principal.district_key is not None and principal.district_key in set(district_keys)


# --- CSRF ---------------------------------------------------------------------------------------------


def tokens_match(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of a CSRF token; a missing or empty token never matches."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


# --- login throttling -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThrottlePolicy:
    """After ``max_failures`` failed logins for one username within ``window``, refuse for ``lockout``."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class LoginFailures:
    failures: int
    first_failed_at: datetime
    locked_until: datetime | None = None


def is_locked(state: LoginFailures | None, now: datetime) -> bool:
    return state is not None and state.locked_until is not None and now < state.locked_until


def register_failure(state: LoginFailures | None, now: datetime, policy: ThrottlePolicy) -> LoginFailures:
    """The throttle state after one more failed login at ``now``."""
    if state is not None and is_locked(state, now):
        return LoginFailures(state.failures + 1, state.first_failed_at, state.locked_until)
    if state is None or now - state.first_failed_at > policy.window:
        state = LoginFailures(0, now, None)
    failures = state.failures + 1
    locked_until = now + policy.lockout if failures >= policy.max_failures else None
    return LoginFailures(failures, state.first_failed_at, locked_until)


# --- redirects and sessions ---------------------------------------------------------------------------

DEFAULT_AFTER_LOGIN = "/sozialraeume"
PROVIDER_START = "/zielvereinbarungen"


def start_page(principal: Principal) -> str:
    """Where a login leads when no target is given: a provider's staff to their target agreements."""
    return PROVIDER_START if principal.role is Role.PROVIDER else DEFAULT_AFTER_LOGIN


def safe_next_url(candidate: str | None, default: str = DEFAULT_AFTER_LOGIN) -> str:
    """Only a local absolute path may be the target after login (no open redirect)."""
    if not candidate or len(candidate) > 2000:
        return default
    if not candidate.startswith("/") or candidate.startswith("//") or "\\" in candidate:
        return default
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in candidate):
        return default
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc:
        return default
    if candidate.startswith(("/anmelden", "/abmelden")):
        return default
    return candidate


def session_expiry(now: datetime, hours: float) -> datetime:
    return now + timedelta(hours=hours)
