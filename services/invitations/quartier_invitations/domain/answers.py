"""Signed answer links (pure): a token that lets one invited person accept or decline one meeting without
logging in.

The token carries the delivery (the mail that held the link), the person, the meeting and an expiry, and
an HMAC-SHA256 over exactly those bytes with the service's secret (``QUARTIER_ANSWER_LINK_SECRET``, never in
the repository). Checking compares in constant time; a changed bit anywhere or another secret makes the
token forged, a token past its expiry is expired. Format: ``v1.<base64url(payload)>.<base64url(mac)>``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import struct
import uuid
from dataclasses import dataclass

VERSION = "v1"
_PAYLOAD = struct.Struct(">16s16s16sq")  # delivery, person, meeting, expiry (unix seconds)
MIN_SECRET_BYTES = 16
MAX_TOKEN_CHARS = 200

FORGED_MESSAGE = "Dieser Link ist ungültig. Bitte nutzen Sie den Link aus Ihrer Einladung."
EXPIRED_MESSAGE = (
    "Dieser Link ist abgelaufen. Bitte melden Sie sich bei der Stelle, die Sie eingeladen hat, "
    "wenn Sie noch zu- oder absagen möchten."
)


@dataclass(frozen=True)
class AnswerClaim:
    delivery_id: uuid.UUID
    person_id: uuid.UUID
    meeting_id: uuid.UUID
    expires_at: dt.datetime


class InvalidAnswerLink(Exception):
    """The token is forged (``expired`` False) or past its expiry (``expired`` True); ``message`` is German."""

    def __init__(self, expired: bool) -> None:
        self.expired = expired
        self.message = EXPIRED_MESSAGE if expired else FORGED_MESSAGE
        super().__init__(self.message)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text or any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" for c in text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, payload: bytes) -> bytes:
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError("the answer link secret is too short")
    return hmac.new(secret, VERSION.encode("ascii") + b"." + payload, hashlib.sha256).digest()


def sign(claim: AnswerClaim, secret: bytes) -> str:
    payload = _PAYLOAD.pack(
        claim.delivery_id.bytes, claim.person_id.bytes, claim.meeting_id.bytes, int(claim.expires_at.timestamp())
    )
    return f"{VERSION}.{_b64(payload)}.{_b64(_mac(secret, payload))}"


def verify(token: str, secret: bytes, now: dt.datetime) -> AnswerClaim:
    """The claim of a genuine, unexpired token; ``InvalidAnswerLink`` otherwise."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
        raise InvalidAnswerLink(expired=False)
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != VERSION:
        raise InvalidAnswerLink(expired=False)
    try:
        payload = _unb64(parts[1])
        given = _unb64(parts[2])
    except (ValueError, binascii.Error):
        raise InvalidAnswerLink(expired=False) from None
    if len(payload) != _PAYLOAD.size or not hmac.compare_digest(_mac(secret, payload), given):
        raise InvalidAnswerLink(expired=False)
    delivery, person, meeting, expiry = _PAYLOAD.unpack(payload)
    try:
        expires_at = dt.datetime.fromtimestamp(expiry, dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise InvalidAnswerLink(expired=False) from None
    if now >= expires_at:
        raise InvalidAnswerLink(expired=True)
    return AnswerClaim(uuid.UUID(bytes=delivery), uuid.UUID(bytes=person), uuid.UUID(bytes=meeting), expires_at)


def expiry_for(now: dt.datetime, meeting_ends_at: dt.datetime, days: int) -> dt.datetime:
    """A link stays valid ``days`` days after its mail, but not past the end of the meeting (an answer
    after the meeting means nothing); at least one day, so that a late reminder still works."""
    return max(min(now + dt.timedelta(days=days), meeting_ends_at), now + dt.timedelta(days=1))
