from quartier_gateway.auth.demo import DEMO_ACCOUNTS_FILE, DEMO_LOGINS_FILE, load_demo_accounts, render_demo_logins
from quartier_gateway.auth.domain import Role


def test_demo_accounts_file_is_valid_and_covers_every_role():
    accounts = load_demo_accounts(DEMO_ACCOUNTS_FILE)
    names = {a.username for a in accounts}
    assert {"admin", "lenkungskreis", "koordination.westen", "bezirk.mitte"} <= names
    assert {a.role for a in accounts} == set(Role)
    westen = next(a for a in accounts if a.username == "koordination.westen")
    assert westen.social_area_key == "westen"


def test_demo_file_says_the_passwords_are_public():
    text = DEMO_ACCOUNTS_FILE.read_text(encoding="utf-8")
    assert "LOCAL DEMO ONLY" in text and "intentionally public" in text


def test_demo_logins_txt_is_in_sync_with_the_yaml():
    expected = render_demo_logins(load_demo_accounts(DEMO_ACCOUNTS_FILE))
    assert DEMO_LOGINS_FILE.read_text(encoding="utf-8") == expected, (
        "regenerate: uv run python -m quartier_gateway.auth.demo > services/gateway/demo-logins.txt"
    )
    assert "Benutzer: admin" in expected and "Passwort: " in expected


def test_coordination_round_demo_account_represents_a_westen_demo_actor():
    """runde.westen's actor id is the registry's uuid5 id of a demo actor active in Westen (so it is right on
    a fresh start, where the registry seeds demo-people.yaml)."""
    from pathlib import Path

    import yaml

    from quartier_registry.domain.people import demo_actor_id

    member = next(a for a in load_demo_accounts(DEMO_ACCOUNTS_FILE) if a.username == "runde.westen")
    assert member.role is Role.COORDINATION_MEMBER and member.social_area_key == "westen"
    people = Path(__file__).resolve().parents[3] / "registry" / "data" / "demo-people.yaml"
    actors = yaml.safe_load(people.read_text(encoding="utf-8"))["actors"]
    by_id = {demo_actor_id(a["key"]): a for a in actors}
    actor = by_id[member.actor_id]
    assert "westen" in actor["social_areas"] and actor["name"] == member.actor_name
