"""The small directory and the mail helpers the notice tests share (unit and integration)."""

from __future__ import annotations

import datetime as dt
import email
import uuid
from email import policy
from email.message import EmailMessage

from quartier_invitations.domain.delivery import (
    MailRecipient,
)
from quartier_invitations.domain.invitees import BodyInfo, Directory, MembershipInfo, PersonInfo

DAY = dt.date(2027, 7, 20)
NOW = dt.datetime(2027, 7, 20, 8, 0, tzinfo=dt.UTC)
SENDER = "einladungen@quartier.hamm.example"
BASE = "https://quartier.hamm.example"
PLAN = uuid.UUID("7a000000-0000-4000-8000-000000000001")


def uid(n: int) -> uuid.UUID:
    return uuid.UUID(f"7b000000-0000-4000-8000-{n:012d}")


CR_WESTEN = BodyInfo(uid(901), "coordination_round", "Koordinierungsrunde Hammer Westen", "westen")
CR_NORDEN = BodyInfo(uid(902), "coordination_round", "Koordinierungsrunde Hamm-Norden", "norden")
LK = BodyInfo(uid(903), "steering_committee", "Lenkungskreis")
BV_PELKUM = BodyInfo(uid(904), "district_council", "Bezirksvertretung Hamm-Pelkum", district_key="pelkum")
BV_MITTE = BodyInfo(uid(905), "district_council", "Bezirksvertretung Hamm-Mitte", district_key="mitte")
BV_HEESSEN = BodyInfo(uid(906), "district_council", "Bezirksvertretung Hamm-Heessen", district_key="heessen")

PEOPLE = {
    1: ("Anna Koordination", "anna@westen.example"),  # chair of the Westen round
    2: ("Bert Vorgänger", "bert@westen.example"),  # former chair of the Westen round
    3: ("Carla Stellvertretung", "carla@westen.example"),  # deputy of the Westen round
    4: ("Dana Norden", "dana@norden.example"),  # chair of the Norden round
    5: ("Emil Lenkung", "emil@stadt.example"),  # Lenkungskreis and BV Pelkum
    6: ("Frieda Pelkum", None),  # BV Pelkum, no address known
    7: ("Gustav Gast", "gustav@example.org"),  # guest of BV Mitte
    8: ("Hanna Mitte", "hanna@mitte.example"),  # BV Mitte
    9: ("Ida Heessen", "ida@heessen.example"),  # BV Heessen
    10: ("Erik Gelöscht", "erik@example.org"),  # chair of the Westen round too, but erased
}


def membership(n: int, body: BodyInfo, person: int, role: str, ends_on: dt.date | None = None) -> MembershipInfo:
    return MembershipInfo(uid(500 + n), body.id, uid(person), role, dt.date(2024, 1, 1), ends_on)


DIRECTORY = Directory(
    city="Hamm",
    districts={"pelkum": "Hamm-Pelkum", "mitte": "Hamm-Mitte", "heessen": "Hamm-Heessen"},
    social_areas={"westen": "Sozialraum Hammer Westen", "norden": "Hamm-Norden"},
    bodies=(CR_WESTEN, CR_NORDEN, LK, BV_PELKUM, BV_MITTE, BV_HEESSEN),
    memberships=(
        membership(1, CR_WESTEN, 1, "chair"),
        membership(2, CR_WESTEN, 2, "chair", ends_on=dt.date(2026, 12, 31)),
        membership(3, CR_WESTEN, 3, "deputy"),
        membership(4, CR_NORDEN, 4, "chair"),
        membership(5, LK, 5, "member"),
        membership(6, BV_PELKUM, 5, "deputy"),
        membership(7, BV_PELKUM, 6, "member"),
        membership(8, BV_MITTE, 7, "guest"),
        membership(9, BV_MITTE, 8, "chair"),
        membership(10, BV_HEESSEN, 9, "member"),
        membership(11, CR_WESTEN, 10, "chair"),
    ),
    persons={uid(k): PersonInfo(uid(k), name=name, email=mail, erased=k == 10) for k, (name, mail) in PEOPLE.items()},
)


def names(recipients: tuple[MailRecipient, ...]) -> list[str]:
    return [r.name for r in recipients]


# ---------------------------------------------------------------- recipients


def parse(msg: EmailMessage) -> EmailMessage:
    parsed = email.message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def body_of(msg: EmailMessage, subtype: str) -> str:
    part = msg.get_body((subtype,))
    assert part is not None
    text = part.get_content()
    assert isinstance(text, str)
    return text.replace("\r\n", "\n")
