"""Use cases of the invitee lists: computed from the rules (data/invitation-rules.yaml) and the service's
copy of the registry, changed by hand with a reason, sent, reminded, and told about reschedules and
cancellations.

The computed list is derived on every read, so it follows the registry; only the manual changes and
which mails were queued for whom are stored (by id). The mails themselves are the delivery part's:
``service.delivery.enqueue_mails`` inserts them idempotently in the caller's transaction.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import yaml

from quartier_invitations.db import directory as directory_db
from quartier_invitations.db import invitees as db
from quartier_invitations.db.meetings import load_meeting
from quartier_invitations.domain import invitees as domain
from quartier_invitations.domain.delivery import MailKind, MailMeeting, MailRecipient
from quartier_invitations.domain.invitees import Directory, Invitee, InviteeError, InviteeList, MeetingFacts, Rules
from quartier_invitations.service import delivery
from quartier_invitations.settings import settings_of
from quartier_shared import errors
from quartier_shared.runtime import ServiceContext

log = logging.getLogger(__name__)

RULES_FILE = Path(__file__).resolve().parents[1] / "data" / "invitation-rules.yaml"
DEFAULT_ZONE = "Europe/Berlin"
# The sender of the delivery settings; the organiser's address when no signatory or chair has one.
_fallback_organiser: dict[str, str] = {"email": delivery.DeliveryConfig.smtp_sender}


class NotFound(InviteeError, errors.NotFound):
    """The meeting does not exist."""


class OutOfOrder(InviteeError, errors.OutOfOrder):
    """A step that cannot happen now (e.g. sending the invitations of a cancelled meeting)."""


@functools.cache
def rules(path: Path = RULES_FILE) -> Rules:
    """The invitation rules (read once; a broken file stops the service at start: api/invitees.py calls
    ``check_rules`` when the app is built)."""
    return domain.parse_rules(yaml.safe_load(path.read_text(encoding="utf-8")))


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (KeyError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def meeting_facts(meeting: Any) -> MeetingFacts:
    """What the rules read from a meeting (the meetings part's ``Meeting``)."""
    starts_at: dt.datetime = meeting.starts_at
    return MeetingFacts(
        id=meeting.id,
        kind=str(getattr(meeting.kind, "value", meeting.kind)),
        body_ids=tuple(meeting.body_ids),
        social_area_key=meeting.social_area_key,
        purposes=tuple(str(getattr(p, "value", p)) for p in meeting.purposes),
        day=starts_at.astimezone(_zone(getattr(meeting, "timezone", None))).date(),
    )


async def _meeting_or_404(conn: asyncpg.Connection, meeting_id: uuid.UUID) -> Any:
    meeting = await load_meeting(conn, meeting_id)
    if meeting is None:
        raise NotFound("meeting_id", "Die Sitzung ist nicht bekannt.")
    return meeting


class _State:
    """Everything one read of a meeting's invitees needs, loaded in one transaction."""

    def __init__(
        self, meeting: Any, directory: Directory, computed: InviteeList, changes: list[domain.ManualChange]
    ) -> None:
        self.meeting = meeting
        self.directory = directory
        self.computed = computed
        self.changes = changes

    @property
    def final(self) -> list[Invitee]:
        return domain.final_list(self.directory, self.computed.computed, self.changes)


async def _state(conn: asyncpg.Connection, meeting_id: uuid.UUID) -> _State:
    meeting = await _meeting_or_404(conn, meeting_id)
    directory = await directory_db.load_directory(conn)
    computed = domain.compute(rules(), directory, meeting_facts(meeting))
    changes = await db.changes_of(conn, meeting_id)
    return _State(meeting, directory, computed, changes)


def _invitee_doc(invitee: Invitee, *, with_manual: bool) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "person_id": invitee.person_id,
        "actor_id": invitee.actor_id,
        "name": invitee.name,
        "email": invitee.email,
        "reasons": list(invitee.reasons),
    }
    if with_manual:
        doc["manual"] = invitee.manual
    return doc


def _document(state: _State, invited: Sequence[uuid.UUID] = ()) -> dict[str, Any]:
    def change_doc(c: domain.ManualChange) -> dict[str, Any]:
        return {
            "person_id": c.invitee_id,
            "name": domain.invitee_name(state.directory, c.invitee_id),
            "reason": c.reason,
            "actor": c.actor,
            "at": c.at,
        }

    final = state.final
    sent = set(invited)
    return {
        "meeting_id": state.meeting.id,
        "signatories": [{"person_id": s.person_id, "name": s.name, "role": s.role} for s in state.computed.signatories],
        "computed": [_invitee_doc(i, with_manual=False) for i in state.computed.computed],
        "added": [change_doc(c) for c in state.changes if c.action == "add"],
        "removed": [change_doc(c) for c in state.changes if c.action == "remove"],
        "final": [{**_invitee_doc(i, with_manual=True), "invited": i.key in sent} for i in final],
        "not_reachable": [_invitee_doc(i, with_manual=True) for i in final if not i.email],
        "public_announcement": state.computed.public_announcement,
    }


async def invitees(pool: asyncpg.Pool, meeting_id: uuid.UUID) -> dict[str, Any]:
    """The computed list with reasons, the signatories, the manual changes and the final list."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        state = await _state(conn, meeting_id)
        invited = await db.invited(conn, meeting_id)
    return _document(state, invited)


async def add_invitee(
    pool: asyncpg.Pool, meeting_id: uuid.UUID, person_id: uuid.UUID, reason: str, actor: str
) -> dict[str, Any]:
    async with pool.acquire() as conn, conn.transaction():
        await db.lock_meeting(conn, meeting_id)
        state = await _state(conn, meeting_id)
        text = domain.decide_add(state.directory, person_id, reason)
        await db.save_change(conn, meeting_id, person_id, "add", text, actor)
        state = await _state(conn, meeting_id)
        invited = await db.invited(conn, meeting_id)
    return _document(state, invited)


async def remove_invitee(
    pool: asyncpg.Pool, meeting_id: uuid.UUID, invitee_id: uuid.UUID, reason: str, actor: str
) -> dict[str, Any]:
    async with pool.acquire() as conn, conn.transaction():
        await db.lock_meeting(conn, meeting_id)
        state = await _state(conn, meeting_id)
        text = domain.decide_remove(state.computed.computed, state.changes, invitee_id, reason)
        await db.save_change(conn, meeting_id, invitee_id, "remove", text, actor)
        state = await _state(conn, meeting_id)
        invited = await db.invited(conn, meeting_id)
    return _document(state, invited)


# ---------------------------------------------------------------- mails


def _organiser(state: _State) -> tuple[str, str]:
    """The organiser of the mail: the first signatory with an e-mail address, else the chair of the
    meeting's (first) body, else the service's sender address."""
    directory = state.directory
    candidates = [s.person_id for s in state.computed.signatories]
    candidates += [
        m.person_id
        for body_id in state.meeting.body_ids
        for m in directory.memberships
        if m.body_id == body_id and m.role == "chair" and m.active_on(meeting_facts(state.meeting).day)
    ]
    for person_id in candidates:
        person = directory.person(person_id)
        if person.email and person.name and not person.erased:
            return person.name, person.email
    return _body_name(state), _fallback_organiser["email"]


def _body_name(state: _State) -> str:
    names = {b.id: b.name for b in state.directory.bodies}
    found = [names[i] for i in state.meeting.body_ids if i in names]
    return " und ".join(found) or str(getattr(state.meeting, "display_title", state.meeting.title))


def mail_meeting(state: _State) -> MailMeeting:
    meeting = state.meeting
    organiser_name, organiser_email = _organiser(state)
    location = getattr(meeting, "location_text", None) or getattr(getattr(meeting, "location", None), "address", None)
    return MailMeeting(
        meeting_id=meeting.id,
        uid=str(meeting.uid),
        sequence=int(meeting.sequence),
        title=str(getattr(meeting, "display_title", meeting.title)),
        body_name=_body_name(state),
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        timezone=str(getattr(meeting, "timezone", DEFAULT_ZONE)),
        location_text=location or None,
        online_url=getattr(meeting, "online_url", None),
        agenda=tuple(meeting.agenda),
        description=str(meeting.description or ""),
        organiser_name=organiser_name,
        organiser_email=organiser_email,
        signatories=tuple(f"{s.name} ({s.role})" for s in state.computed.signatories),
        public_url=None,
    )


def _recipient(invitee: Invitee) -> MailRecipient | None:
    if not invitee.email:
        return None
    return MailRecipient(person_id=invitee.key, name=invitee.name, email=invitee.email, reasons=invitee.reasons)


async def _enqueue(
    conn: asyncpg.Connection, state: _State, targets: Sequence[Invitee], kind: MailKind, sequence: int
) -> int:
    """Queues mails of ``kind`` for those of ``targets`` with an address, once each (an invitation and a
    reminder once per invitee at all, an update or cancellation once per version of the meeting)."""
    reachable = [i for i in targets if i.email]
    if kind == "invitation":  # invited once; later versions of the meeting reach them as updates
        already = set(await db.invited(conn, state.meeting.id))
        reachable = [i for i in reachable if i.key not in already]
    fresh = set(await db.record_mails(conn, state.meeting.id, [i.key for i in reachable], kind, sequence))
    recipients = [r for i in reachable if i.key in fresh and (r := _recipient(i)) is not None]
    if not recipients:
        return 0
    return await delivery.enqueue_mails(conn, mail_meeting(state), recipients, kind)


async def send(pool: asyncpg.Pool, meeting_id: uuid.UUID) -> dict[str, Any]:
    """Queues the invitation for everyone on the final list with an e-mail address (idempotent: someone
    already invited for this version of the meeting is not written to again); lists who cannot be reached."""
    async with pool.acquire() as conn, conn.transaction():
        await db.lock_meeting(conn, meeting_id)
        state = await _state(conn, meeting_id)
        if state.meeting.status == "cancelled":
            raise OutOfOrder("", "Die Sitzung ist abgesagt: Einladungen können nicht mehr verschickt werden.")
        final = state.final
        queued = await _enqueue(conn, state, final, "invitation", int(state.meeting.sequence))
    not_reachable = [_invitee_doc(i, with_manual=True) for i in final if not i.email]
    log.info("invitations queued", extra={"meeting_id": str(meeting_id), "queued": queued})
    return {"queued": queued, "not_reachable": not_reachable}


async def _invited_now(conn: asyncpg.Connection, state: _State) -> list[Invitee]:
    """Everyone an invitation was queued for, with their current name and address (an erased person
    is skipped; an institution keeps its own address)."""
    ids = await db.invited(conn, state.meeting.id)
    actors = {a.id: a for a in state.directory.actors}
    known = {i.key: i for i in (*state.computed.computed, *state.final)}
    out: list[Invitee] = []
    for invitee_id in ids:
        if invitee_id in known:
            out.append(known[invitee_id])
        elif invitee_id in actors:
            actor = actors[invitee_id]
            out.append(Invitee(None, actor.id, actor.name, actor.email, ()))
        else:
            person = state.directory.person(invitee_id)
            if not person.erased and person.email:
                out.append(Invitee(person.id, None, person.name or domain.UNKNOWN_NAME, person.email, ()))
    return [i for i in out if i.email]


async def on_meeting_changed(conn: asyncpg.Connection, meeting: Any, kind: str) -> None:
    """Called by the meetings use case in its transaction after a reschedule ("update") or cancel
    ("cancellation"); enqueues update/cancellation mails to everyone already sent an invitation."""
    if kind not in ("update", "cancellation"):
        raise ValueError(f"unknown change {kind!r}")
    await db.lock_meeting(conn, meeting.id)
    directory = await directory_db.load_directory(conn)
    computed = domain.compute(rules(), directory, meeting_facts(meeting))
    state = _State(meeting, directory, computed, await db.changes_of(conn, meeting.id))
    targets = await _invited_now(conn, state)
    mail_kind: MailKind = "update" if kind == "update" else "cancellation"
    queued = await _enqueue(conn, state, targets, mail_kind, int(meeting.sequence))
    if queued:
        log.info("meeting change announced to invitees", extra={"kind": kind, "queued": queued})


# ---------------------------------------------------------------- reminders


async def send_reminders(pool: asyncpg.Pool, reminder_days: int, now: dt.datetime | None = None) -> int:
    """Queues a reminder, once per invitee, for every meeting starting within ``reminder_days`` days
    (and not over, not cancelled) whose invitations went out. Returns how many were queued."""
    now = now or dt.datetime.now(dt.UTC)
    horizon = now + dt.timedelta(days=reminder_days)
    total = 0
    async with pool.acquire() as conn:
        meeting_ids = await db.meetings_with_reminders_pending(conn)
    for meeting_id in meeting_ids:
        async with pool.acquire() as conn, conn.transaction():
            await db.lock_meeting(conn, meeting_id)
            meeting = await load_meeting(conn, meeting_id)
            if meeting is None or meeting.status == "cancelled" or not (now < meeting.starts_at <= horizon):
                continue
            directory = await directory_db.load_directory(conn)
            computed = domain.compute(rules(), directory, meeting_facts(meeting))
            state = _State(meeting, directory, computed, await db.changes_of(conn, meeting_id))
            targets = await _invited_now(conn, state)
            total += await _enqueue(conn, state, targets, "reminder", 0)
    if total:
        log.info("reminders queued", extra={"queued": total})
    return total


async def reminders(ctx: ServiceContext) -> None:
    """Background: checks for due reminders every ``reminder_interval_seconds`` (0 switches it off)."""
    settings = settings_of(ctx)
    _fallback_organiser["email"] = settings.smtp_sender
    interval, days = settings.reminder_interval_seconds, settings.reminder_days
    if interval <= 0:
        return
    while True:
        try:
            await send_reminders(ctx.pool, days)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("reminder check failed; trying again later")
        await asyncio.sleep(interval)


def check_rules() -> None:
    """Reads the rules now, so that a broken file refuses the start with a clear message."""
    rules()
