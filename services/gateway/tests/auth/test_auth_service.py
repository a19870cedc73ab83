from datetime import UTC, datetime, timedelta

import pytest

from quartier_gateway.auth.demo import DemoAccount
from quartier_gateway.auth.domain import Role, ThrottlePolicy
from quartier_gateway.auth.service import AuthService, LoginRefused


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 5, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def auth(store, clock) -> AuthService:
    return AuthService(store, session_hours=8, policy=ThrottlePolicy(max_failures=3), clock=clock)


async def test_login_creates_a_session_stored_only_as_digest(auth, store):
    result = await auth.login("Admin ", "admin-passwort-1")
    assert result.principal.username == "admin" and result.principal.role is Role.ADMIN
    assert result.token not in {k.hex() for k in store.sessions} and len(store.sessions) == 1
    session = await auth.session(result.token)
    assert session is not None and session.csrf_token == result.csrf_token
    assert await auth.session("erfunden") is None
    assert await auth.session(None) is None


async def test_wrong_password_and_unknown_user_are_refused_alike(auth):
    with pytest.raises(LoginRefused) as wrong:
        await auth.login("admin", "falsch")
    with pytest.raises(LoginRefused) as unknown:
        await auth.login("niemand", "falsch")
    assert not wrong.value.locked and not unknown.value.locked


async def test_session_expires(auth, clock):
    result = await auth.login("admin", "admin-passwort-1")
    clock.now += timedelta(hours=8, seconds=1)
    assert await auth.session(result.token) is None


async def test_logout_deletes_the_session(auth, store):
    result = await auth.login("admin", "admin-passwort-1")
    await auth.logout(result.token)
    assert await auth.session(result.token) is None
    assert store.sessions == {}


async def test_inactive_account_cannot_log_in_and_loses_its_sessions(auth, store):
    from dataclasses import replace

    result = await auth.login("admin", "admin-passwort-1")
    store.accounts["admin"] = replace(store.accounts["admin"], active=False)
    assert await auth.session(result.token) is None
    with pytest.raises(LoginRefused):
        await auth.login("admin", "admin-passwort-1")


async def test_throttle_locks_even_the_right_password_then_releases(auth, clock):
    for _ in range(3):
        with pytest.raises(LoginRefused):
            await auth.login("admin", "falsch")
    with pytest.raises(LoginRefused) as locked:
        await auth.login("admin", "admin-passwort-1")
    assert locked.value.locked
    clock.now += timedelta(minutes=16)
    assert (await auth.login("admin", "admin-passwort-1")).principal.username == "admin"


async def test_successful_login_resets_the_failure_count(auth, store):
    with pytest.raises(LoginRefused):
        await auth.login("admin", "falsch")
    assert "admin" in store.failures
    await auth.login("admin", "admin-passwort-1")
    assert "admin" not in store.failures


async def test_demo_accounts_are_created_idempotently(auth, store):
    demo = [
        DemoAccount("koordination.norden", "demo-norden-x", "Jana Exempel", Role.AREA_COORDINATOR, "norden"),
        DemoAccount("admin", "neues-admin-pw", "Alex Beispiel", Role.ADMIN),
    ]
    first = await auth.ensure_demo_accounts(demo)
    assert first == ["koordination.norden", "admin"]
    assert await auth.ensure_demo_accounts(demo) == []
    assert (await auth.login("koordination.norden", "demo-norden-x")).principal.social_area_key == "norden"
    assert (await auth.login("admin", "neues-admin-pw")).principal.display_name == "Alex Beispiel"
