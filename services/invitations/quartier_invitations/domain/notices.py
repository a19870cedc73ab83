"""Notices the invitations service mails on behalf of other services (pure: no I/O).

- A deadline of a Jahresplan approaches (planning's ``DeadlineApproaching``): the area coordinator of the
  Sozialraum is reminded, i.e. the chair of the area's Koordinierungsrunde (as in the invitation rules,
  ``data/invitation-rules.yaml``: the Stadtteilkoordination signs the Stadtteilkonferenz as the chair of the
  coordination round).
- A mid-year review or an evaluation of a plan is distributed (reporting's ``EvaluationDistributed``): the
  members of the Lenkungskreis (when the steering committee is addressed) and of the Bezirksvertretungen of
  the given districts are told where to read it.

Who gets a notice is read from the service's copy of the registry's directory (``domain.invitees.Directory``),
on the day the event happened. The texts are plain German; dates are written TT.MM.JJJJ. Each notice has a
key that names what it is about, so that the delivery sends it at most once per person.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from quartier_invitations.domain.delivery import MailNotice, MailRecipient
from quartier_invitations.domain.invitees import BodyInfo, Directory, MembershipInfo

COORDINATION_ROUND = "coordination_round"
STEERING_COMMITTEE = "steering_committee"
DISTRICT_COUNCIL = "district_council"
COORDINATOR_ROLES = ("chair",)
# Guests of a body are not its members: they get no notice.
MEMBER_ROLES = ("chair", "deputy", "member", "advisory")
DEFAULT_ROLE_LABELS: Mapping[str, str] = {
    "chair": "Vorsitz",
    "deputy": "Stellvertretung",
    "member": "Mitglied",
    "advisory": "Beratendes Mitglied",
}

# The steps of the Jahresplan cycle (planning's ``Step``): name, and what is to be done by the due date.
STEP_NAMES: Mapping[str, str] = {
    "draft": "Entwurf",
    "hearings": "Anhörungen",
    "final": "Plan final",
    "mid_year_review": "Halbjahresbilanz",
    "evaluation": "Auswertung",
}
STEP_TODO: Mapping[str, str] = {
    "draft": "Bitte legen Sie den Entwurf des Jahresplans den Bezirksvertretungen vor.",
    "hearings": "Bitte schließen Sie die Anhörungen der Bezirksvertretungen ab.",
    "final": "Bitte machen Sie den Jahresplan final, damit er zum Jahresbeginn starten kann.",
    "mid_year_review": "Bitte ziehen Sie die Halbjahresbilanz des Jahresplans.",
    "evaluation": "Bitte werten Sie den Jahresplan aus.",
}
REVIEW_NAMES: Mapping[str, str] = {"mid_year_review": "Halbjahresbilanz", "evaluation": "Auswertung"}


def date_text(day: dt.date) -> str:
    """TT.MM.JJJJ"""
    return f"{day:%d.%m.%Y}"


def area_label(directory: Directory, social_area_key: str) -> str:
    """``Sozialraum Hammer Westen``: the area's name from the territory, always with the word Sozialraum."""
    name = directory.area_name(social_area_key)
    return name if name.startswith("Sozialraum") else f"Sozialraum {name}"


def step_name(step: str) -> str:
    return STEP_NAMES.get(step, step)


def days_left_text(days_left: int) -> str:
    if days_left <= 0:
        return "heute"
    if days_left == 1:
        return "morgen"
    return f"in {days_left} Tagen"


# ---------------------------------------------------------------- recipients


@dataclass
class _Found:
    name: str
    email: str
    reasons: list[str]


def _members(
    directory: Directory, bodies: Iterable[BodyInfo], roles: Sequence[str], day: dt.date
) -> list[tuple[BodyInfo, MembershipInfo]]:
    out: list[tuple[BodyInfo, MembershipInfo]] = []
    for body in bodies:
        for m in directory.memberships:
            if m.body_id == body.id and m.role in roles and m.active_on(day):
                out.append((body, m))
    return out


def _recipients(
    directory: Directory, hits: Iterable[tuple[BodyInfo, MembershipInfo, str]]
) -> tuple[MailRecipient, ...]:
    """One recipient per person (with every reason), erased people left out; someone without an address is
    kept with ``email`` "" (the delivery records that the notice could not be sent)."""
    found: dict[uuid.UUID, _Found] = {}
    for _body, m, reason in hits:
        person = directory.person(m.person_id)
        if person.erased:
            continue
        entry = found.setdefault(m.person_id, _Found(person.name or "", person.email or "", []))
        if reason not in entry.reasons:
            entry.reasons.append(reason)
    ordered = sorted(found.items(), key=lambda item: (item[1].name.casefold(), str(item[0])))
    return tuple(MailRecipient(pid, f.name, f.email, tuple(f.reasons)) for pid, f in ordered)


def _reason(role_labels: Mapping[str, str], role: str, body: BodyInfo) -> str:
    return f"{role_labels.get(role) or DEFAULT_ROLE_LABELS.get(role, role)}: {body.name}"


def area_coordinators(
    directory: Directory,
    social_area_key: str,
    day: dt.date,
    role_labels: Mapping[str, str] = DEFAULT_ROLE_LABELS,
) -> tuple[MailRecipient, ...]:
    """The area coordinator(s) of a Sozialraum on ``day``: the chair of its Koordinierungsrunde."""
    bodies = [b for b in directory.bodies if b.kind == COORDINATION_ROUND and b.social_area_key == social_area_key]
    area = area_label(directory, social_area_key)
    hits = [
        (body, m, f"Stadtteilkoordination, {area} ({_reason(role_labels, m.role, body)})")
        for body, m in _members(directory, bodies, COORDINATOR_ROLES, day)
    ]
    return _recipients(directory, hits)


def evaluation_recipients(
    directory: Directory,
    district_keys: Sequence[str],
    steering_committee: bool,
    day: dt.date,
    role_labels: Mapping[str, str] = DEFAULT_ROLE_LABELS,
) -> tuple[MailRecipient, ...]:
    """The members of the Lenkungskreis (when ``steering_committee``) and of the Bezirksvertretungen of
    ``district_keys`` on ``day``, each once with every reason."""
    bodies: list[BodyInfo] = []
    if steering_committee:
        bodies += [b for b in directory.bodies if b.kind == STEERING_COMMITTEE]
    for key in district_keys:
        bodies += [b for b in directory.bodies if b.kind == DISTRICT_COUNCIL and b.district_key == key]
    hits = [(body, m, _reason(role_labels, m.role, body)) for body, m in _members(directory, bodies, MEMBER_ROLES, day)]
    return _recipients(directory, hits)


# ---------------------------------------------------------------- texts


def plan_url(public_base_url: str, plan_id: uuid.UUID) -> str:
    return f"{public_base_url.rstrip('/')}/jahresplaene/{plan_id}"


def evaluations_url(public_base_url: str, year: int) -> str:
    return f"{public_base_url.rstrip('/')}/auswertungen?jahr={year}"


def deadline_key(plan_id: uuid.UUID, step: str, due_on: dt.date) -> str:
    """Planning announces a deadline once per plan, step and due date: so is it mailed."""
    return f"deadline/{plan_id}/{step}/{due_on.isoformat()}"


def deadline_notice(
    directory: Directory,
    *,
    plan_id: uuid.UUID,
    social_area_key: str,
    year: int,
    step: str,
    due_on: dt.date,
    days_left: int,
    public_base_url: str,
) -> MailNotice:
    area = area_label(directory, social_area_key)
    name = step_name(step)
    due = date_text(due_on)
    lines = [
        f"für den Jahresplan {year} im {area} ist bald ein Schritt fällig.",
        f"{name}: fällig am {due} ({days_left_text(days_left)}).",
    ]
    if step in STEP_TODO:
        lines.append(STEP_TODO[step])
    lines.append("Ist der Schritt schon erledigt, können Sie diese Nachricht übergehen.")
    return MailNotice(
        notice_key=deadline_key(plan_id, step, due_on),
        subject=f"Frist am {due}: {name} – Jahresplan {year}, {area}",
        lines=tuple(lines),
        links=((f"Zum Jahresplan {year}", plan_url(public_base_url, plan_id)),),
    )


def evaluation_key(plan_id: uuid.UUID, kind: str) -> str:
    """A plan's mid-year review and its evaluation are each delivered once."""
    return f"{kind}/{plan_id}"


def evaluation_notice(
    directory: Directory,
    *,
    plan_id: uuid.UUID,
    social_area_key: str,
    year: int,
    kind: str,
    public_base_url: str,
) -> MailNotice:
    area = area_label(directory, social_area_key)
    name = REVIEW_NAMES.get(kind, "Auswertung")
    lines = (
        f"die {name} des Jahresplans {year} für den {area} liegt vor.",
        f"Sie finden sie in der Übersicht der Auswertungen {year}. "
        "Im Jahresplan sehen Sie jede Maßnahme mit ihrem Stand.",
    )
    return MailNotice(
        notice_key=evaluation_key(plan_id, kind),
        subject=f"{name} {year} liegt vor: {area}",
        lines=lines,
        links=(
            (f"Zu den Auswertungen {year}", evaluations_url(public_base_url, year)),
            (f"Zum Jahresplan {year}, {area}", plan_url(public_base_url, plan_id)),
        ),
    )
