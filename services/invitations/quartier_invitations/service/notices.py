"""Use cases of the notices: mail the people concerned when planning announces an approaching deadline or
reporting distributes a mid-year review or an evaluation (``domain.notices`` says who and what).

Called by the consumers (``consumers/notices.py``) in the inbox's transaction: the notices are queued with
``service.delivery.enqueue_notice`` in that same transaction, idempotent per (notice key, person), so a
replayed event, or the same deadline announced again, mails nobody twice. The sender of the delivery
part sends them.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import asyncpg

from quartier_invitations.db import directory as directory_db
from quartier_invitations.domain import notices as domain
from quartier_invitations.domain.delivery import MailNotice, MailRecipient
from quartier_invitations.service import delivery
from quartier_invitations.service.invitees import rules as invitation_rules
from quartier_invitations.settings import InvitationsSettings

log = logging.getLogger(__name__)
BERLIN = ZoneInfo("Europe/Berlin")


@dataclass(frozen=True)
class NoticeConfig:
    """``public_base_url``: the gateway's public address; the notices link to its pages."""

    public_base_url: str = delivery.DeliveryConfig.public_base_url

    @classmethod
    def of(cls, settings: InvitationsSettings) -> NoticeConfig:
        return cls(public_base_url=settings.public_base_url)


def day_of(at: dt.datetime) -> dt.date:
    """The calendar day in Hamm on which an event happened: whose membership counts is decided for that day."""
    return at.astimezone(BERLIN).date() if at.tzinfo else at.date()


def _role_labels() -> dict[str, str]:
    """The role labels of the invitation rules (data/invitation-rules.yaml), as in the invitations' reasons."""
    return {**domain.DEFAULT_ROLE_LABELS, **invitation_rules().role_labels}


async def _queue(conn: asyncpg.Connection, notice: MailNotice, recipients: Sequence[MailRecipient]) -> int:
    return await delivery.enqueue_notice(
        conn, notice.notice_key, recipients, notice.subject, notice.lines, links=notice.links
    )


async def remind_deadline(
    conn: asyncpg.Connection,
    config: NoticeConfig,
    *,
    plan_id: uuid.UUID,
    social_area_key: str,
    year: int,
    step: str,
    due_on: dt.date,
    days_left: int,
    at: dt.datetime,
) -> int:
    """Mails the area coordinator(s) of the Sozialraum that a step of the plan is due; returns how many
    mails were newly queued."""
    directory = await directory_db.load_directory(conn)
    recipients = domain.area_coordinators(directory, social_area_key, day_of(at), _role_labels())
    if not recipients:
        log.warning("deadline not mailed: no area coordinator known", extra={"social_area_key": social_area_key})
        return 0
    notice = domain.deadline_notice(
        directory,
        plan_id=plan_id,
        social_area_key=social_area_key,
        year=year,
        step=step,
        due_on=due_on,
        days_left=days_left,
        public_base_url=config.public_base_url,
    )
    queued = await _queue(conn, notice, recipients)
    log.info("deadline reminder queued", extra={"notice_key": notice.notice_key, "queued": queued})
    return queued


async def distribute_evaluation(
    conn: asyncpg.Connection,
    config: NoticeConfig,
    *,
    plan_id: uuid.UUID,
    social_area_key: str,
    year: int,
    kind: str,
    district_keys: Sequence[str],
    steering_committee: bool,
    at: dt.datetime,
) -> int:
    """Mails the members of the Lenkungskreis (if addressed) and of the Bezirksvertretungen of the districts
    that the mid-year review or the evaluation of the plan is ready; returns how many mails were queued."""
    directory = await directory_db.load_directory(conn)
    recipients = domain.evaluation_recipients(
        directory, list(district_keys), steering_committee, day_of(at), _role_labels()
    )
    if not recipients:
        log.warning("evaluation not mailed: nobody to write to", extra={"plan_id": str(plan_id)})
        return 0
    notice = domain.evaluation_notice(
        directory,
        plan_id=plan_id,
        social_area_key=social_area_key,
        year=year,
        kind=kind,
        public_base_url=config.public_base_url,
    )
    queued = await _queue(conn, notice, recipients)
    log.info("evaluation notice queued", extra={"notice_key": notice.notice_key, "queued": queued})
    return queued
