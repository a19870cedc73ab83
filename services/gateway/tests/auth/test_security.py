import pytest
from argon2 import PasswordHasher

from quartier_gateway.auth import security


@pytest.fixture(autouse=True)
def production_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    """conftest.py hashes cheaply for speed; here the production parameters are what is checked."""
    monkeypatch.setattr(security, "_HASHER", PasswordHasher())


def test_password_hash_is_argon2id_and_verifies():
    h = security.hash_password("richtig-geheim")
    assert h.startswith("$argon2id$")
    assert "richtig-geheim" not in h
    assert security.verify_password(h, "richtig-geheim")
    assert not security.verify_password(h, "falsch")
    assert not security.needs_rehash(h)


def test_same_password_gets_different_hashes():
    assert security.hash_password("x-passwort") != security.hash_password("x-passwort")


def test_unknown_user_or_broken_hash_never_verifies():
    assert not security.verify_password(None, "irgendwas")
    assert not security.verify_password("kein-hash", "irgendwas")
    assert security.needs_rehash("kein-hash")


def test_tokens_are_random_and_stored_as_digest():
    a, b = security.new_token(), security.new_token()
    assert a != b and len(a) >= 43
    assert len(security.token_digest(a)) == 32
    assert security.token_digest(a) == security.token_digest(a)
    assert security.token_digest(a) != security.token_digest(b)
