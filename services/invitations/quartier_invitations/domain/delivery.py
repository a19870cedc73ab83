"""Building the e-mails about a meeting (pure: no I/O).

Contract shared with the invitees code: ``MailMeeting`` and ``MailRecipient`` are what a caller hands to
``service.delivery.enqueue_mails``. A message is built with the standard library's ``email`` API
(``EmailMessage``, header objects, MIME parts) and ``icalendar`` only, never by string concatenation of
headers or MIME structure: a text part, an HTML part and an iCalendar attachment (``METHOD:REQUEST``, or
``METHOD:CANCEL`` for a cancellation) with the meeting's stable ``UID`` and its ``SEQUENCE``.

Everything that comes from people (titles, names, descriptions) is made harmless first: control
characters (CR, LF, NUL, …) become spaces in one-line values, so no header can be injected, and long
texts are shortened.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import unicodedata
import uuid
from dataclasses import dataclass
from email import policy
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar

MailKind = Literal["invitation", "update", "cancellation", "reminder"]
MAIL_KINDS: tuple[MailKind, ...] = ("invitation", "update", "cancellation", "reminder")

BERLIN = ZoneInfo("Europe/Berlin")
PRODID = "-//Stadt Hamm//Quartier Einladungen//DE"
MAX_TITLE = 200
MAX_NAME = 120
MAX_LINE = 500
MAX_TEXT = 4000
MAX_AGENDA_ITEMS = 50
# The headers every generated message carries, in this order (Reply-To only with an organiser address).
HEADERS = ("From", "To", "Reply-To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type")


@dataclass(frozen=True)
class MailMeeting:
    """What a mail about one meeting needs to say. ``uid`` is stable per meeting, ``sequence`` rises on
    every change (reschedule, change, cancel). ``starts_at``/``ends_at`` are timezone-aware."""

    meeting_id: uuid.UUID
    uid: str
    sequence: int
    title: str
    body_name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str
    location_text: str | None
    online_url: str | None
    agenda: tuple[str, ...]
    description: str
    organiser_name: str
    organiser_email: str
    signatories: tuple[str, ...]
    public_url: str | None


@dataclass(frozen=True)
class MailRecipient:
    """One person to write to, with the reasons (German) why they are invited."""

    person_id: uuid.UUID
    name: str
    email: str
    reasons: tuple[str, ...]


class InvalidMail(ValueError):
    """The message cannot be built (e.g. the recipient's address is not an e-mail address)."""


# --- making input harmless --------------------------------------------------------------------------------

_LINE_BREAKS = {"\u2028", "\u2029", "\x85"}


def clean_line(value: str | None, limit: int = MAX_LINE) -> str:
    """One line of text: every control or line-separator character becomes a space, runs of white space
    collapse, the result is cut at ``limit`` characters (with an ellipsis)."""
    if not value:
        return ""
    chars = [
        " " if (unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs") or c in _LINE_BREAKS) else c for c in value
    ]
    text = " ".join("".join(chars).split())
    return _shorten(text, limit)


def clean_text(value: str | None, limit: int = MAX_TEXT) -> str:
    """A multi-line text: line breaks are kept (normalised to LF), other control characters removed,
    shortened to ``limit`` characters."""
    if not value:
        return ""
    lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cleaned = "\n".join(clean_line(line, limit) for line in lines)
    cleaned = re.sub(r"\n{3,}", "\n\n", cleaned).strip()
    return _shorten(cleaned, limit)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + "…"


_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)


def valid_address(value: str | None) -> bool:
    """A plain ASCII e-mail address (local@domain.tld) that the e-mail API accepts as one address."""
    if not value or len(value) > 254 or not _ADDRESS.fullmatch(value):
        return False
    try:
        address = Address(addr_spec=value)
    except (HeaderParseError, ValueError, IndexError):
        return False
    return address.addr_spec == value


def header_text(value: str | None, limit: int) -> str:
    """A one-line header value: cleaned, and with ``=?`` broken up, so that a reader cannot mistake part of
    it for an RFC 2047 encoded word (the e-mail API writes such text as it is)."""
    return clean_line(value, limit).replace("=?", "= ?")


def _address(name: str | None, email: str) -> Address:
    return Address(display_name=header_text(name, MAX_NAME), addr_spec=email)


# --- texts --------------------------------------------------------------------------------------------------

_SUBJECT_PREFIX: dict[MailKind, str] = {
    "invitation": "Einladung",
    "update": "Termin geändert",
    "cancellation": "Abgesagt",
    "reminder": "Erinnerung",
}


def zone_of(meeting: MailMeeting) -> ZoneInfo:
    try:
        return ZoneInfo(meeting.timezone) if meeting.timezone else BERLIN
    except (ZoneInfoNotFoundError, ValueError):
        return BERLIN


def when_text(meeting: MailMeeting) -> str:
    """``12.03.2027, 17:00–19:00 Uhr`` (or with both dates when it spans days), in the meeting's zone."""
    zone = zone_of(meeting)
    start = meeting.starts_at.astimezone(zone)
    end = meeting.ends_at.astimezone(zone)
    if start.date() == end.date():
        return f"{start:%d.%m.%Y}, {start:%H:%M}–{end:%H:%M} Uhr"
    return f"{start:%d.%m.%Y}, {start:%H:%M} Uhr bis {end:%d.%m.%Y}, {end:%H:%M} Uhr"


def subject(meeting: MailMeeting, kind: MailKind) -> str:
    start = meeting.starts_at.astimezone(zone_of(meeting))
    title = header_text(meeting.title, MAX_TITLE) or "Sitzung"
    return f"{_SUBJECT_PREFIX[kind]}: {title} am {start:%d.%m.%Y}"


def _intro(meeting: MailMeeting, kind: MailKind) -> str:
    title = clean_line(meeting.title, MAX_TITLE) or "Sitzung"
    body = clean_line(meeting.body_name, MAX_LINE)
    of_body = f" ({body})" if body and body != title else ""
    if kind == "invitation":
        return f"wir laden Sie herzlich ein zur Sitzung „{title}“{of_body}."
    if kind == "update":
        return f"der Termin „{title}“{of_body} hat sich geändert. Bitte beachten Sie die neuen Angaben."
    if kind == "cancellation":
        return f"der Termin „{title}“{of_body} fällt aus. Er ist abgesagt."
    return f"wir erinnern Sie an die Sitzung „{title}“{of_body}."


@dataclass(frozen=True)
class _Facts:
    """The cleaned facts of one mail, shared by the text and the HTML part."""

    greeting: str
    intro: str
    when: str
    where: str
    online: str
    agenda: tuple[str, ...]
    description: str
    reasons: tuple[str, ...]
    signatories: tuple[str, ...]
    public_url: str
    answer_url: str | None
    organiser: str


def _facts(meeting: MailMeeting, recipient: MailRecipient, kind: MailKind, answer_url: str | None) -> _Facts:
    name = clean_line(recipient.name, MAX_NAME)
    return _Facts(
        greeting=f"Guten Tag {name}," if name else "Guten Tag,",
        intro=_intro(meeting, kind),
        when=when_text(meeting),
        where=clean_line(meeting.location_text),
        online=clean_line(meeting.online_url),
        agenda=tuple(a for a in (clean_line(x) for x in meeting.agenda[:MAX_AGENDA_ITEMS]) if a),
        description=clean_text(meeting.description),
        reasons=tuple(r for r in (clean_line(x) for x in recipient.reasons) if r),
        signatories=tuple(s for s in (clean_line(x, MAX_NAME) for x in meeting.signatories) if s),
        public_url=clean_line(meeting.public_url),
        answer_url=clean_line(answer_url) or None if kind != "cancellation" else None,
        organiser=clean_line(meeting.organiser_name, MAX_NAME),
    )


def text_body(f: _Facts) -> str:
    lines = [f.greeting, "", f.intro, "", f"Wann: {f.when}"]
    if f.where:
        lines.append(f"Wo: {f.where}")
    if f.online:
        lines.append(f"Online: {f.online}")
    if f.agenda:
        lines += ["", "Tagesordnung:"] + [f"{i}. {item}" for i, item in enumerate(f.agenda, 1)]
    if f.description:
        lines += ["", f.description]
    if f.reasons:
        lines += ["", "Sie erhalten diese Einladung, weil:"] + [f"- {r}" for r in f.reasons]
    if f.answer_url:
        lines += ["", "Bitte sagen Sie uns, ob Sie kommen. Zusagen oder absagen können Sie hier:", f.answer_url]
    if f.public_url:
        lines += ["", f"Mehr zum Termin: {f.public_url}"]
    lines += ["", "Freundliche Grüße"]
    lines += list(f.signatories) or ([f.organiser] if f.organiser else [])
    return "\n".join(lines) + "\n"


def _p(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


def html_body(f: _Facts, title: str) -> str:
    """The same content as HTML; every value is escaped."""
    parts = [_p(f.greeting), _p(f.intro), "<dl>", f"<dt>Wann</dt><dd>{html.escape(f.when)}</dd>"]
    if f.where:
        parts.append(f"<dt>Wo</dt><dd>{html.escape(f.where)}</dd>")
    if f.online:
        parts.append(f"<dt>Online</dt><dd>{html.escape(f.online)}</dd>")
    parts.append("</dl>")
    if f.agenda:
        parts.append("<h2>Tagesordnung</h2><ol>")
        parts += [f"<li>{html.escape(item)}</li>" for item in f.agenda]
        parts.append("</ol>")
    if f.description:
        parts += [
            "<p>" + "<br>".join(html.escape(line) for line in block.split("\n")) + "</p>"
            for block in f.description.split("\n\n")
        ]
    if f.reasons:
        parts.append("<p>Sie erhalten diese Einladung, weil:</p><ul>")
        parts += [f"<li>{html.escape(r)}</li>" for r in f.reasons]
        parts.append("</ul>")
    if f.answer_url:
        link = html.escape(f.answer_url, quote=True)
        parts.append(f'<p>Bitte sagen Sie uns, ob Sie kommen: <a href="{link}">Zusagen oder absagen</a></p>')
    if f.public_url:
        link = html.escape(f.public_url, quote=True)
        parts.append(f'<p><a href="{link}">Mehr zum Termin</a></p>')
    closing = list(f.signatories) or ([f.organiser] if f.organiser else [])
    parts.append("<p>Freundliche Grüße" + "".join(f"<br>{html.escape(s)}" for s in closing) + "</p>")
    return (
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body>{''.join(parts)}</body></html>\n"
    )


# --- iCalendar ------------------------------------------------------------------------------------------------


def ical_method(kind: MailKind) -> Literal["REQUEST", "CANCEL"]:
    return "CANCEL" if kind == "cancellation" else "REQUEST"


def build_ical(
    meeting: MailMeeting,
    recipient: MailRecipient | None,
    kind: MailKind,
    *,
    organiser_email: str,
    now: dt.datetime,
) -> bytes:
    """The calendar object of the mail: exactly one VEVENT with the meeting's UID and SEQUENCE."""
    method = ical_method(kind)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", method)
    event = icalendar.Event()
    event.add("uid", clean_line(meeting.uid, MAX_LINE) or f"{meeting.meeting_id}@quartier")
    event.add("sequence", max(int(meeting.sequence), 0))
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("dtstart", meeting.starts_at.astimezone(dt.UTC))
    event.add("dtend", meeting.ends_at.astimezone(dt.UTC))
    event.add("summary", clean_line(meeting.title, MAX_TITLE) or "Sitzung")
    description = clean_text(meeting.description)
    agenda = [a for a in (clean_line(x) for x in meeting.agenda[:MAX_AGENDA_ITEMS]) if a]
    if agenda:
        lines = [description, ""] if description else []
        lines += ["Tagesordnung:"] + [f"{i}. {a}" for i, a in enumerate(agenda, 1)]
        description = "\n".join(lines)
    if description:
        event.add("description", description)
    location = clean_line(meeting.location_text) or clean_line(meeting.online_url)
    if location:
        event.add("location", location)
    url = clean_line(meeting.online_url) or clean_line(meeting.public_url)
    if url:
        event.add("url", url)
    organizer = icalendar.vCalAddress(f"mailto:{organiser_email}")
    organiser_name = clean_line(meeting.organiser_name, MAX_NAME)
    if organiser_name:
        organizer.params["cn"] = organiser_name
    event.add("organizer", organizer)
    if recipient is not None and valid_address(recipient.email):
        attendee = icalendar.vCalAddress(f"mailto:{recipient.email}")
        name = clean_line(recipient.name, MAX_NAME)
        if name:
            attendee.params["cn"] = name
        attendee.params["role"] = "REQ-PARTICIPANT"
        attendee.params["partstat"] = "NEEDS-ACTION"
        attendee.params["rsvp"] = "FALSE"
        event.add("attendee", attendee)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    cal.add_component(event)
    ical: bytes = cal.to_ical()
    return ical


# --- the message --------------------------------------------------------------------------------------------


def build_message(
    meeting: MailMeeting,
    recipient: MailRecipient,
    kind: MailKind,
    *,
    sender: str,
    message_id: str,
    answer_url: str | None,
    now: dt.datetime,
) -> EmailMessage:
    """The complete e-mail: multipart/mixed of (text/plain | text/html) and the text/calendar attachment.

    ``sender`` is the platform's address (From); the organiser's address, when it is one, is Reply-To and
    the iCalendar ORGANIZER. ``message_id`` is the delivery's id (unique per mail)."""
    if kind not in MAIL_KINDS:
        raise InvalidMail(f"kind: unbekannte Art „{kind}“")
    if not valid_address(recipient.email):
        raise InvalidMail("email: Das ist keine gültige E-Mail-Adresse.")
    if not valid_address(sender):
        raise InvalidMail("sender: Die Absenderadresse ist keine gültige E-Mail-Adresse.")
    if meeting.starts_at.tzinfo is None or meeting.ends_at.tzinfo is None:
        raise InvalidMail("starts_at: Beginn und Ende brauchen eine Zeitzone.")
    organiser_email = meeting.organiser_email if valid_address(meeting.organiser_email) else sender
    domain = sender.rsplit("@", 1)[1]
    facts = _facts(meeting, recipient, kind, answer_url)
    mail_subject = subject(meeting, kind)

    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = _address(meeting.organiser_name.strip() or "Stadtteilarbeit", sender)
    msg["To"] = _address(recipient.name, recipient.email)
    if valid_address(meeting.organiser_email):
        msg["Reply-To"] = _address(meeting.organiser_name, meeting.organiser_email)
    msg["Subject"] = mail_subject
    msg["Date"] = format_datetime(now.astimezone(dt.UTC))
    msg["Message-ID"] = f"<{clean_line(message_id, 100).replace(' ', '')}@{domain}>"
    msg.set_content(text_body(facts), cte="quoted-printable")
    msg.add_alternative(html_body(facts, mail_subject), subtype="html", cte="quoted-printable")
    method = ical_method(kind)
    msg.add_attachment(
        build_ical(meeting, recipient, kind, organiser_email=organiser_email, now=now),
        maintype="text",
        subtype="calendar",
        filename="absage.ics" if method == "CANCEL" else "einladung.ics",
        params={"method": method, "charset": "utf-8"},
    )
    return msg


# --- notices: plain mails without a meeting ------------------------------------------------------------------
#
# A notice tells people about something other than a meeting (a deadline of a Jahresplan, an evaluation that
# is ready). Same rules as above: built with the e-mail API only, every value cleaned, no calendar attachment.

NOTICE_KIND = "notice"
MAX_NOTICE_KEY = 200
MAX_NOTICE_LINES = 30
MAX_LINKS = 5
# The headers of a notice, in this order (no Reply-To: the platform writes, nobody organises).
NOTICE_HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type")
NOTICE_SENDER_NAME = "Stadtteilarbeit Hamm"


@dataclass(frozen=True)
class MailNotice:
    """What a notice says: its ``subject``, paragraphs (``lines``, German) and links (label, http(s) URL).
    ``notice_key`` names what it is about (e.g. ``deadline/<plan>/<step>/<date>``): one mail per key and person.
    """

    notice_key: str
    subject: str
    lines: tuple[str, ...]
    links: tuple[tuple[str, str], ...] = ()


def safe_url(value: str | None) -> str:
    """An http(s) URL as one clean line, or "" (anything else, e.g. ``javascript:``, is dropped)."""
    url = clean_line(value).replace(" ", "")
    return url if re.match(r"https?://[^\s/]+", url, flags=re.IGNORECASE) else ""


def notice_key_ok(key: str) -> bool:
    return 0 < len(key) <= MAX_NOTICE_KEY and clean_line(key, MAX_NOTICE_KEY) == key


@dataclass(frozen=True)
class _NoticeFacts:
    greeting: str
    lines: tuple[str, ...]
    links: tuple[tuple[str, str], ...]
    reasons: tuple[str, ...]


def _notice_facts(notice: MailNotice, recipient: MailRecipient) -> _NoticeFacts:
    name = clean_line(recipient.name, MAX_NAME)
    links = tuple(
        (clean_line(label, MAX_TITLE) or url, url)
        for label, url in ((label, safe_url(raw)) for label, raw in notice.links[:MAX_LINKS])
        if url
    )
    return _NoticeFacts(
        greeting=f"Guten Tag {name}," if name else "Guten Tag,",
        lines=tuple(t for t in (clean_text(x, MAX_LINE * 2) for x in notice.lines[:MAX_NOTICE_LINES]) if t),
        links=links,
        reasons=tuple(r for r in (clean_line(x) for x in recipient.reasons) if r),
    )


def notice_text_body(f: _NoticeFacts) -> str:
    lines = [f.greeting]
    for paragraph in f.lines:
        lines += ["", paragraph]
    for label, url in f.links:
        lines += ["", f"{label}:", url]
    if f.reasons:
        lines += ["", "Sie erhalten diese Nachricht, weil:"] + [f"- {r}" for r in f.reasons]
    lines += ["", "Freundliche Grüße", NOTICE_SENDER_NAME, "", "Diese Nachricht wurde automatisch verschickt."]
    return "\n".join(lines) + "\n"


def notice_html_body(f: _NoticeFacts, title: str) -> str:
    """The same content as HTML; every value is escaped."""
    parts = [_p(f.greeting)]
    parts += ["<p>" + "<br>".join(html.escape(line) for line in p.split("\n")) + "</p>" for p in f.lines]
    if f.links:
        parts.append("<ul>")
        parts += [
            f'<li><a href="{html.escape(url, quote=True)}">{html.escape(label)}</a></li>' for label, url in f.links
        ]
        parts.append("</ul>")
    if f.reasons:
        parts.append("<p>Sie erhalten diese Nachricht, weil:</p><ul>")
        parts += [f"<li>{html.escape(r)}</li>" for r in f.reasons]
        parts.append("</ul>")
    parts.append(f"<p>Freundliche Grüße<br>{html.escape(NOTICE_SENDER_NAME)}</p>")
    parts.append("<p><small>Diese Nachricht wurde automatisch verschickt.</small></p>")
    return (
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body>{''.join(parts)}</body></html>\n"
    )


def build_notice_message(
    notice: MailNotice,
    recipient: MailRecipient,
    *,
    sender: str,
    message_id: str,
    now: dt.datetime,
) -> EmailMessage:
    """A notice as e-mail: multipart/alternative of text/plain and text/html, no attachment."""
    if not valid_address(recipient.email):
        raise InvalidMail("email: Das ist keine gültige E-Mail-Adresse.")
    if not valid_address(sender):
        raise InvalidMail("sender: Die Absenderadresse ist keine gültige E-Mail-Adresse.")
    mail_subject = header_text(notice.subject, MAX_TITLE) or "Mitteilung"
    facts = _notice_facts(notice, recipient)
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = _address(NOTICE_SENDER_NAME, sender)
    msg["To"] = _address(recipient.name, recipient.email)
    msg["Subject"] = mail_subject
    msg["Date"] = format_datetime(now.astimezone(dt.UTC))
    msg["Message-ID"] = f"<{clean_line(message_id, 100).replace(' ', '')}@{sender.rsplit('@', 1)[1]}>"
    msg.set_content(notice_text_body(facts), cte="quoted-printable")
    msg.add_alternative(notice_html_body(facts, mail_subject), subtype="html", cte="quoted-printable")
    return msg
