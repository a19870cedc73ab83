import uuid
from datetime import UTC, datetime, timedelta

import pytest

from quartier_gateway.auth.domain import (
    InvalidAccount,
    LoginFailures,
    Principal,
    Role,
    ThrottlePolicy,
    account_problems,
    can_change_territory,
    can_view_staff_pages,
    is_in_scope,
    is_locked,
    register_failure,
    safe_next_url,
    tokens_match,
)

WESTEN_DISTRICTS = ["mitte", "pelkum", "herringen"]


def test_roles_have_german_labels():
    assert Role.AREA_COORDINATOR.label == "Stadtteilkoordination"
    assert Role.STEERING_COMMITTEE.label == "Lenkungskreis"
    assert {r.label for r in Role} == {
        "Administration",
        "Lenkungskreis",
        "Stadtteilkoordination",
        "Bezirksvertretung",
        "Koordinierungsrunde",
        "Träger",
    }


@pytest.mark.parametrize(
    ("role", "sa", "d", "ok"),
    [
        (Role.ADMIN, None, None, True),
        (Role.ADMIN, "westen", None, False),
        (Role.STEERING_COMMITTEE, None, "mitte", False),
        (Role.AREA_COORDINATOR, "westen", None, True),
        (Role.AREA_COORDINATOR, None, None, False),
        (Role.AREA_COORDINATOR, "westen", "mitte", False),
        (Role.COUNCIL_MEMBER, None, "mitte", True),
        (Role.COUNCIL_MEMBER, "westen", None, False),
        (Role.COUNCIL_MEMBER, None, "Bad Key!", False),
    ],
)
def test_scope_must_fit_the_role(role, sa, d, ok):
    assert (account_problems("user.one", role, sa, d) == []) is ok
    if not ok:
        with pytest.raises(InvalidAccount):
            Principal("user.one", "U", role, sa, d)


ACTOR = uuid.UUID("82a58d0f-dbb7-5018-bd07-0490e813d5f2")


@pytest.mark.parametrize(
    ("role", "sa", "d", "actor", "ok"),
    [
        (Role.COORDINATION_MEMBER, "westen", None, ACTOR, True),
        (Role.COORDINATION_MEMBER, "westen", None, None, False),
        (Role.COORDINATION_MEMBER, None, None, ACTOR, False),
        (Role.COORDINATION_MEMBER, "westen", "mitte", ACTOR, False),
        (Role.AREA_COORDINATOR, "westen", None, ACTOR, False),
        (Role.COUNCIL_MEMBER, None, "mitte", ACTOR, False),
        (Role.ADMIN, None, None, ACTOR, False),
    ],
)
def test_a_coordination_round_member_needs_area_and_actor(role, sa, d, actor, ok):
    assert (account_problems("user.one", role, sa, d, actor_id=actor) == []) is ok
    if not ok:
        with pytest.raises(InvalidAccount):
            Principal("user.one", "U", role, sa, d, actor)
    else:
        member = Principal("user.one", "U", role, sa, d, actor)
        assert is_in_scope(member, "westen", WESTEN_DISTRICTS) and not is_in_scope(member, "norden", ["heessen"])


def test_username_rules():
    assert account_problems("koordination.westen", Role.AREA_COORDINATOR, "westen", None) == []
    assert account_problems("Admin", Role.ADMIN, None, None)
    assert account_problems("a", Role.ADMIN, None, None)
    assert account_problems("x" * 65, Role.ADMIN, None, None)


def test_who_may_do_what():
    admin = Principal("admin", "A", Role.ADMIN)
    steering = Principal("lk", "L", Role.STEERING_COMMITTEE)
    coordinator = Principal("kw", "K", Role.AREA_COORDINATOR, social_area_key="westen")
    council = Principal("bm", "B", Role.COUNCIL_MEMBER, district_key="mitte")
    for p in (admin, steering, coordinator, council):
        assert can_view_staff_pages(p)
    assert not can_view_staff_pages(None)
    assert can_change_territory(admin)
    assert not any(can_change_territory(p) for p in (steering, coordinator, council, None))


def test_scope_of_social_areas():
    coordinator = Principal("kw", "K", Role.AREA_COORDINATOR, social_area_key="westen")
    council_pelkum = Principal("bp", "B", Role.COUNCIL_MEMBER, district_key="pelkum")
    steering = Principal("lk", "L", Role.STEERING_COMMITTEE)
    assert is_in_scope(coordinator, "westen", WESTEN_DISTRICTS)
    assert not is_in_scope(coordinator, "pelkum", ["pelkum"])
    # Westen reaches into Pelkum: a Pelkum council member is concerned by both
    assert is_in_scope(council_pelkum, "westen", WESTEN_DISTRICTS)
    assert is_in_scope(council_pelkum, "pelkum", ["pelkum"])
    assert not is_in_scope(council_pelkum, "norden", ["bockum-hoevel", "heessen"])
    assert is_in_scope(steering, "norden", ["bockum-hoevel", "heessen"])
    assert not is_in_scope(None, "westen", WESTEN_DISTRICTS)


def test_csrf_tokens_must_match_exactly():
    assert tokens_match("abc123", "abc123")
    assert not tokens_match("abc123", "abc124")
    assert not tokens_match("abc123", None)
    assert not tokens_match(None, "abc123")
    assert not tokens_match("", "")
    assert not tokens_match(None, None)


def test_login_throttle_locks_after_max_failures_and_expires():
    policy = ThrottlePolicy(max_failures=3, window=timedelta(minutes=15), lockout=timedelta(minutes=10))
    t0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    state = None
    for i in range(2):
        state = register_failure(state, t0 + timedelta(minutes=i), policy)
        assert not is_locked(state, t0 + timedelta(minutes=i))
    state = register_failure(state, t0 + timedelta(minutes=2), policy)
    assert state.failures == 3
    assert is_locked(state, t0 + timedelta(minutes=5))
    assert not is_locked(state, t0 + timedelta(minutes=13))
    # failures outside the window start a new count
    later = register_failure(state, t0 + timedelta(hours=1), policy)
    assert later.failures == 1 and not is_locked(later, t0 + timedelta(hours=1))
    assert not is_locked(None, t0)


def test_failures_while_locked_keep_the_lock():
    policy = ThrottlePolicy(max_failures=1, window=timedelta(minutes=1), lockout=timedelta(minutes=30))
    t0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    state = register_failure(None, t0, policy)
    state2 = register_failure(state, t0 + timedelta(minutes=5), policy)
    assert state2.locked_until == state.locked_until
    assert is_locked(LoginFailures(1, t0, t0 + timedelta(minutes=30)), t0 + timedelta(minutes=29))


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        ("/sozialraeume/westen", "/sozialraeume/westen"),
        ("/sozialraeume?x=1", "/sozialraeume?x=1"),
        (None, "/sozialraeume"),
        ("", "/sozialraeume"),
        ("https://evil.example/", "/sozialraeume"),
        ("//evil.example/", "/sozialraeume"),
        ("/\\evil.example", "/sozialraeume"),
        ("javascript:alert(1)", "/sozialraeume"),
        ("/anmelden?weiter=/x", "/sozialraeume"),
        ("/ok\r\nSet-Cookie: x=1", "/sozialraeume"),
    ],
)
def test_only_local_paths_are_followed_after_login(candidate, expected):
    assert safe_next_url(candidate) == expected
