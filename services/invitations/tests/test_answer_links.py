"""Signed answer links: a genuine token is accepted, any change or another secret is forged, a token past its
expiry is expired; the German messages the answer page shows."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quartier_invitations.domain.answers import (
    EXPIRED_MESSAGE,
    FORGED_MESSAGE,
    AnswerClaim,
    InvalidAnswerLink,
    expiry_for,
    sign,
    verify,
)

SECRET = b"test-secret-0123456789-abcdefghij"
NOW = dt.datetime(2027, 2, 1, 9, 0, tzinfo=dt.UTC)
CLAIM = AnswerClaim(
    delivery_id=uuid.UUID(int=1),
    person_id=uuid.UUID(int=2),
    meeting_id=uuid.UUID(int=3),
    expires_at=dt.datetime(2027, 3, 1, 0, 0, tzinfo=dt.UTC),
)


def test_a_genuine_token_gives_back_its_claim() -> None:
    token = sign(CLAIM, SECRET)
    assert token.startswith("v1.")
    assert len(token) < 200
    assert all(c.isalnum() or c in "._-" for c in token)  # safe in a URL path without escaping
    assert verify(token, SECRET, NOW) == CLAIM


def test_a_token_signed_with_another_secret_is_forged() -> None:
    token = sign(CLAIM, b"another-secret-0123456789-abcdefg")
    with pytest.raises(InvalidAnswerLink) as refused:
        verify(token, SECRET, NOW)
    assert not refused.value.expired
    assert refused.value.message == FORGED_MESSAGE


def test_a_token_for_another_person_cannot_be_made_from_a_genuine_one() -> None:
    genuine = sign(CLAIM, SECRET)
    other = sign(AnswerClaim(CLAIM.delivery_id, uuid.UUID(int=99), CLAIM.meeting_id, CLAIM.expires_at), SECRET)
    # the payload of the other person's token with the signature of the genuine one
    spliced = ".".join([*other.split(".")[:2], genuine.split(".")[2]])
    with pytest.raises(InvalidAnswerLink):
        verify(spliced, SECRET, NOW)


@given(position=st.integers(min_value=3, max_value=200), replacement=st.sampled_from("AQgw-_x0"))
def test_changing_any_character_forges_the_token(position: int, replacement: str) -> None:
    token = sign(CLAIM, SECRET)
    position %= len(token)
    if token[position] == replacement or token[position] == ".":
        return
    changed = token[:position] + replacement + token[position + 1 :]
    try:
        claim = verify(changed, SECRET, NOW)
    except InvalidAnswerLink as refused:
        assert not refused.expired
    else:
        # base64 has slack bits in the last character: a change there may decode to the same bytes
        assert claim == CLAIM


@pytest.mark.parametrize(
    "token", ["", "v1", "v1..", "v2.AAAA.AAAA", "v1.!!!.???", "x" * 500, "v1.AAAA.AAAA", "v1.AAAA.AAAA.AAAA"]
)
def test_garbage_is_forged(token: str) -> None:
    with pytest.raises(InvalidAnswerLink) as refused:
        verify(token, SECRET, NOW)
    assert not refused.value.expired


def test_an_expired_token_is_refused_as_expired() -> None:
    token = sign(CLAIM, SECRET)
    assert verify(token, SECRET, CLAIM.expires_at - dt.timedelta(seconds=1)) == CLAIM
    with pytest.raises(InvalidAnswerLink) as refused:
        verify(token, SECRET, CLAIM.expires_at)
    assert refused.value.expired
    assert refused.value.message == EXPIRED_MESSAGE
    assert "abgelaufen" in EXPIRED_MESSAGE


def test_an_expired_token_with_a_wrong_signature_is_forged_not_expired() -> None:
    token = sign(CLAIM, b"another-secret-0123456789-abcdefg")
    with pytest.raises(InvalidAnswerLink) as refused:
        verify(token, SECRET, CLAIM.expires_at + dt.timedelta(days=1))
    assert not refused.value.expired


def test_a_short_secret_is_not_accepted() -> None:
    with pytest.raises(ValueError):
        sign(CLAIM, b"short")


def test_expiry_is_the_configured_days_but_not_past_the_meeting() -> None:
    ends = NOW + dt.timedelta(days=10)
    assert expiry_for(NOW, ends, 60) == ends
    assert expiry_for(NOW, NOW + dt.timedelta(days=100), 60) == NOW + dt.timedelta(days=60)
    assert expiry_for(NOW, NOW - dt.timedelta(days=1), 60) == NOW + dt.timedelta(days=1)
