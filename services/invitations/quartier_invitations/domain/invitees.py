"""Who is invited to a meeting, and why: the invitation rules (DOMAIN.md sections 7 and 8).

Pure rules, no I/O. The rules are DATA (``data/invitation-rules.yaml``), read by ``parse_rules``; this
module interprets them against a snapshot of the registry's directory (``Directory``) for one meeting
(``MeetingFacts``). Every invitee carries the reason(s) in German; someone selected by several rules
appears once with all reasons. Manual additions and removals (``ManualChange``) are applied on top of the
computed list, which stays visible beside them; a removal of a computed invitee survives recomputation.

Selectors of the rules (``select``):

- ``members``: active members (on the meeting's day) of bodies: ``bodies: meeting`` (the meeting's own
  bodies), ``bodies: area`` (the body of ``body_kind`` of the meeting's Sozialraum) or ``bodies:
  districts`` (the bodies of ``body_kind`` of every district of the Sozialraum); optional ``roles`` and
  ``district_mayor`` (true: only district mayors, false: everyone else).
- ``residents``: people who live in the Sozialraum (the registry knows it for district council members).
- ``institutions``: actors (organisations) of ``actor_types`` working in the Sozialraum; invited with
  their own e-mail address, or through their people when the actor has none.
- ``functions``: people whose function (as written in the registry) reads like one of ``patterns`` for
  a district of the Sozialraum, e.g. ``"Leitung Bürgeramt {district}"``.

Every selector may carry ``when_purposes`` (only for meetings with one of these purposes) and
``only_social_areas`` (only for meetings of these Sozialräume). Templates may use ``{body}``, ``{role}``,
``{area}``, ``{district}``, ``{function}``, ``{actor}``, ``{actor_type}`` and ``{purposes}``.
"""

from __future__ import annotations

import datetime as dt
import string
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from quartier_shared import errors

# ---------------------------------------------------------------- the directory snapshot


@dataclass(frozen=True)
class ActorInfo:
    id: uuid.UUID
    name: str
    type: str
    social_area_keys: tuple[str, ...]
    email: str | None


@dataclass(frozen=True)
class BodyInfo:
    id: uuid.UUID
    kind: str
    name: str  # the display name (with a Stadtteilkonferenz's local title)
    social_area_key: str | None = None
    district_key: str | None = None


@dataclass(frozen=True)
class MembershipInfo:
    id: uuid.UUID
    body_id: uuid.UUID
    person_id: uuid.UUID
    role: str
    starts_on: dt.date
    ends_on: dt.date | None = None
    is_district_mayor: bool = False

    def active_on(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


@dataclass(frozen=True)
class PersonInfo:
    """A person as the invitations service knows them: facts by id from the directory, name and e-mail
    from the contact details (None until they arrive, and after an erasure)."""

    id: uuid.UUID
    actor_id: uuid.UUID | None = None
    lives_in_social_area_key: str | None = None
    name: str | None = None
    email: str | None = None
    functions: tuple[str, ...] = ()
    erased: bool = False


@dataclass(frozen=True)
class Directory:
    city: str = ""
    districts: Mapping[str, str] = field(default_factory=dict)  # key → name
    social_areas: Mapping[str, str] = field(default_factory=dict)  # key → name
    residential_areas: Mapping[int, tuple[str, str]] = field(default_factory=dict)  # number → (district, area)
    actors: tuple[ActorInfo, ...] = ()
    bodies: tuple[BodyInfo, ...] = ()
    memberships: tuple[MembershipInfo, ...] = ()
    persons: Mapping[uuid.UUID, PersonInfo] = field(default_factory=dict)

    def districts_of(self, social_area_key: str) -> list[str]:
        """The districts of a social area are the districts of its residential areas (in the order of
        their residential areas' numbers: Westen → Mitte, Pelkum, Herringen)."""
        out: list[str] = []
        for _number, (district, area) in sorted(self.residential_areas.items()):
            if area == social_area_key and district not in out:
                out.append(district)
        return out

    def district_name(self, key: str) -> str:
        return self.districts.get(key, key)

    def area_name(self, key: str) -> str:
        return self.social_areas.get(key, key)

    def person(self, person_id: uuid.UUID) -> PersonInfo:
        return self.persons.get(person_id) or PersonInfo(person_id)


@dataclass(frozen=True)
class MeetingFacts:
    """What the rules need to know about a meeting."""

    id: uuid.UUID
    kind: str
    body_ids: tuple[uuid.UUID, ...]
    social_area_key: str | None
    purposes: tuple[str, ...]
    day: dt.date  # the meeting's calendar day in the city's time zone


# ---------------------------------------------------------------- the rules (data)

SELECTS = ("members", "residents", "institutions", "functions")
BODY_SCOPES = ("meeting", "area", "districts")
PLACEHOLDERS = frozenset({"body", "role", "area", "district", "function", "actor", "actor_type", "purposes"})


class RulesError(ValueError):
    """The rules file is not valid; the message says where (German)."""


@dataclass(frozen=True)
class Selector:
    select: str
    text: str  # the reason (invitees) or the role label (signatories), a template
    bodies: str = "meeting"
    body_kind: str | None = None
    roles: tuple[str, ...] | None = None
    district_mayor: bool | None = None
    actor_types: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    when_purposes: tuple[str, ...] = ()
    only_social_areas: tuple[str, ...] = ()


@dataclass(frozen=True)
class KindRules:
    invite: tuple[Selector, ...] = ()
    signatories: tuple[Selector, ...] = ()
    public_announcement: bool = False


@dataclass(frozen=True)
class Rules:
    kinds: Mapping[str, KindRules]
    role_labels: Mapping[str, str] = field(default_factory=dict)
    actor_type_labels: Mapping[str, str] = field(default_factory=dict)
    purpose_labels: Mapping[str, str] = field(default_factory=dict)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RulesError(f"{where}: erwartet wird eine Liste von Texten.")
    return tuple(value)


def _template(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RulesError(f"{where}: ein Text fehlt.")
    for _literal, name, _spec, _conversion in string.Formatter().parse(value):
        if name is not None and name not in PLACEHOLDERS:
            raise RulesError(f"{where}: Platzhalter „{{{name}}}“ ist nicht bekannt.")
    return value


def _selector(raw: Any, where: str, text_key: str) -> Selector:
    if not isinstance(raw, dict):
        raise RulesError(f"{where}: erwartet wird eine Regel (Zuordnung).")
    known = {
        "select",
        text_key,
        "bodies",
        "body_kind",
        "roles",
        "district_mayor",
        "actor_types",
        "patterns",
        "when_purposes",
        "only_social_areas",
    }
    unknown = sorted(set(raw) - known)
    if unknown:
        raise RulesError(f"{where}: unbekannte Angabe „{unknown[0]}“.")
    select = raw.get("select")
    if select not in SELECTS:
        raise RulesError(f"{where}.select: „{select}“ ist nicht bekannt (erlaubt: {', '.join(SELECTS)}).")
    bodies = raw.get("bodies", "meeting")
    if bodies not in BODY_SCOPES:
        raise RulesError(f"{where}.bodies: „{bodies}“ ist nicht bekannt (erlaubt: {', '.join(BODY_SCOPES)}).")
    body_kind = raw.get("body_kind")
    if select == "members" and bodies != "meeting" and not isinstance(body_kind, str):
        raise RulesError(f"{where}.body_kind: fehlt (nötig für bodies: {bodies}).")
    district_mayor = raw.get("district_mayor")
    if district_mayor is not None and not isinstance(district_mayor, bool):
        raise RulesError(f"{where}.district_mayor: erwartet wird true oder false.")
    patterns = tuple(_template(p, f"{where}.patterns") for p in _strings(raw.get("patterns"), f"{where}.patterns"))
    if select == "functions" and not patterns:
        raise RulesError(f"{where}.patterns: mindestens ein Muster ist nötig.")
    actor_types = _strings(raw.get("actor_types"), f"{where}.actor_types")
    if select == "institutions" and not actor_types:
        raise RulesError(f"{where}.actor_types: mindestens eine Art ist nötig.")
    roles = raw.get("roles")
    return Selector(
        select=select,
        text=_template(raw.get(text_key), f"{where}.{text_key}"),
        bodies=bodies,
        body_kind=body_kind,
        roles=_strings(roles, f"{where}.roles") if roles is not None else None,
        district_mayor=district_mayor,
        actor_types=actor_types,
        patterns=patterns,
        when_purposes=_strings(raw.get("when_purposes"), f"{where}.when_purposes"),
        only_social_areas=_strings(raw.get("only_social_areas"), f"{where}.only_social_areas"),
    )


def _labels(raw: Any, where: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in raw.items()):
        raise RulesError(f"{where}: erwartet wird eine Zuordnung Schlüssel → Text.")
    return dict(raw)


def parse_rules(doc: Any) -> Rules:
    """The rules from the parsed YAML document; ``RulesError`` names what is wrong."""
    if not isinstance(doc, dict) or not isinstance(doc.get("kinds"), dict):
        raise RulesError("kinds: die Regeln je Sitzungsart fehlen.")
    kinds: dict[str, KindRules] = {}
    for kind, raw in doc["kinds"].items():
        where = f"kinds.{kind}"
        if not isinstance(raw, dict):
            raise RulesError(f"{where}: erwartet wird eine Zuordnung.")
        unknown = sorted(set(raw) - {"invite", "signatories", "public_announcement"})
        if unknown:
            raise RulesError(f"{where}: unbekannte Angabe „{unknown[0]}“.")
        invite = raw.get("invite") or []
        signatories = raw.get("signatories") or []
        if not isinstance(invite, list) or not isinstance(signatories, list):
            raise RulesError(f"{where}: invite und signatories sind Listen.")
        public = raw.get("public_announcement", False)
        if not isinstance(public, bool):
            raise RulesError(f"{where}.public_announcement: erwartet wird true oder false.")
        kinds[str(kind)] = KindRules(
            invite=tuple(_selector(s, f"{where}.invite[{i}]", "reason") for i, s in enumerate(invite)),
            signatories=tuple(_selector(s, f"{where}.signatories[{i}]", "label") for i, s in enumerate(signatories)),
            public_announcement=public,
        )
    return Rules(
        kinds=kinds,
        role_labels=_labels(doc.get("role_labels"), "role_labels"),
        actor_type_labels=_labels(doc.get("actor_type_labels"), "actor_type_labels"),
        purpose_labels=_labels(doc.get("purpose_labels"), "purpose_labels"),
    )


# ---------------------------------------------------------------- the computed list

UNKNOWN_NAME = "(Name noch nicht bekannt)"
ERASED_NAME = "(Daten gelöscht)"


@dataclass(frozen=True)
class Invitee:
    """One invitee: a person (``person_id``) or an institution written to at its own address
    (``actor_id``). ``reasons`` in German, in the order the rules found them."""

    person_id: uuid.UUID | None
    actor_id: uuid.UUID | None
    name: str
    email: str | None
    reasons: tuple[str, ...]
    manual: bool = False

    @property
    def key(self) -> uuid.UUID:
        key = self.person_id or self.actor_id
        assert key is not None
        return key


@dataclass(frozen=True)
class Signatory:
    person_id: uuid.UUID
    name: str
    role: str


@dataclass(frozen=True)
class InviteeList:
    signatories: tuple[Signatory, ...]
    computed: tuple[Invitee, ...]
    public_announcement: bool


class _Collector:
    def __init__(self) -> None:
        self.entries: dict[uuid.UUID, Invitee] = {}

    def add(self, invitee: Invitee) -> None:
        known = self.entries.get(invitee.key)
        if known is None:
            self.entries[invitee.key] = invitee
            return
        reasons = known.reasons + tuple(r for r in invitee.reasons if r not in known.reasons)
        self.entries[invitee.key] = replace(known, reasons=reasons)


def _format(template: str, **values: str) -> str:
    return template.format_map({k: values.get(k, "") for k in PLACEHOLDERS})


def meeting_area(directory: Directory, meeting: MeetingFacts) -> str | None:
    """The meeting's Sozialraum: its own, or the one of its first body that has one."""
    if meeting.social_area_key:
        return meeting.social_area_key
    for body in directory.bodies:
        if body.id in meeting.body_ids and body.social_area_key:
            return body.social_area_key
    return None


def _applies(selector: Selector, meeting: MeetingFacts, area: str | None) -> bool:
    if selector.when_purposes and not set(selector.when_purposes) & set(meeting.purposes):
        return False
    return not (selector.only_social_areas and area not in selector.only_social_areas)


def _bodies(selector: Selector, directory: Directory, meeting: MeetingFacts, area: str | None) -> list[BodyInfo]:
    if selector.bodies == "meeting":
        by_id = {b.id: b for b in directory.bodies}
        return [by_id[i] for i in meeting.body_ids if i in by_id]
    if area is None:
        return []
    if selector.bodies == "area":
        return [b for b in directory.bodies if b.kind == selector.body_kind and b.social_area_key == area]
    districts = directory.districts_of(area)
    found = [b for b in directory.bodies if b.kind == selector.body_kind and b.district_key in districts]
    return sorted(found, key=lambda b: districts.index(b.district_key or ""))


def _person_name(person: PersonInfo) -> str:
    if person.erased:
        return ERASED_NAME
    return person.name or UNKNOWN_NAME


def _purposes_text(rules: Rules, selector: Selector, meeting: MeetingFacts) -> str:
    wanted = [p for p in meeting.purposes if not selector.when_purposes or p in selector.when_purposes]
    labels = [rules.purpose_labels.get(p, p) for p in wanted]
    return " und ".join(labels)


@dataclass(frozen=True)
class _Hit:
    person_id: uuid.UUID | None
    actor_id: uuid.UUID | None
    text: str


def _normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


def _district_variants(directory: Directory, key: str) -> list[str]:
    """How a function may name a district: its name ("Hamm-Pelkum"), without the city ("Pelkum"), its key."""
    name = directory.district_name(key)
    variants = [name, key]
    if directory.city and name.startswith(f"{directory.city}-"):
        variants.append(name[len(directory.city) + 1 :])
    return variants


def _select(
    rules: Rules, selector: Selector, directory: Directory, meeting: MeetingFacts, area: str | None
) -> list[_Hit]:
    """The people (or institutions) one selector of the rules names, each with the reason shown."""
    purposes = _purposes_text(rules, selector, meeting)
    if selector.select == "members":
        return _select_members(rules, selector, directory, meeting, area, purposes)
    if area is None:  # residents, institutions and functions are those of a Sozialraum
        return []
    if selector.select == "residents":
        return _select_residents(selector, directory, area, purposes)
    if selector.select == "institutions":
        return _select_institutions(rules, selector, directory, area, purposes)
    if selector.select == "functions":
        return _select_functions(selector, directory, area, purposes)
    return []


def _select_members(
    rules: Rules, selector: Selector, directory: Directory, meeting: MeetingFacts, area: str | None, purposes: str
) -> list[_Hit]:
    """The members of the selected bodies on the meeting's day (by role, district mayor or not)."""
    area_name = directory.area_name(area) if area else ""
    hits: list[_Hit] = []
    for body in _bodies(selector, directory, meeting, area):
        district = directory.district_name(body.district_key) if body.district_key else ""
        members = [
            m
            for m in directory.memberships
            if m.body_id == body.id
            and m.active_on(meeting.day)
            and (selector.roles is None or m.role in selector.roles)
            and (selector.district_mayor is None or m.is_district_mayor == selector.district_mayor)
        ]
        for m in sorted(members, key=lambda m: _normalise(_person_name(directory.person(m.person_id)))):
            person = directory.person(m.person_id)
            if person.erased:
                continue
            text = _format(
                selector.text,
                body=body.name,
                role=rules.role_labels.get(m.role, m.role),
                area=area_name,
                district=district,
                purposes=purposes,
            )
            hits.append(_Hit(m.person_id, None, text))
    return hits


def _select_residents(selector: Selector, directory: Directory, area: str, purposes: str) -> list[_Hit]:
    area_name = directory.area_name(area) if area else ""
    return [
        _Hit(person.id, None, _format(selector.text, area=area_name, purposes=purposes))
        for person in directory.persons.values()
        if person.lives_in_social_area_key == area and not person.erased
    ]


def _select_institutions(
    rules: Rules, selector: Selector, directory: Directory, area: str, purposes: str
) -> list[_Hit]:
    """Institutions of the Sozialraum by type: by their own address, else through their contact people."""
    area_name = directory.area_name(area) if area else ""
    hits: list[_Hit] = []
    for actor in directory.actors:
        if actor.type not in selector.actor_types or area not in actor.social_area_keys:
            continue
        text = _format(
            selector.text,
            actor=actor.name,
            actor_type=rules.actor_type_labels.get(actor.type, actor.type),
            area=area_name,
            purposes=purposes,
        )
        if actor.email:
            hits.append(_Hit(None, actor.id, text))
            continue
        staff = [p for p in directory.persons.values() if p.actor_id == actor.id and not p.erased]
        for person in staff:
            hits.append(_Hit(person.id, None, f"Ansprechperson: {text}"))
    return hits


def _select_functions(selector: Selector, directory: Directory, area: str, purposes: str) -> list[_Hit]:
    """People holding a function named by a pattern, for each Stadtbezirk of the Sozialraum."""
    area_name = directory.area_name(area) if area else ""
    hits: list[_Hit] = []
    for district_key in directory.districts_of(area):
        district = directory.district_name(district_key)
        wanted = {
            _normalise(p.format_map({"district": v})): p
            for p in selector.patterns
            for v in _district_variants(directory, district_key)
        }
        for person in directory.persons.values():
            if person.erased:
                continue
            for function in person.functions:
                if _normalise(function) in wanted:
                    text = _format(
                        selector.text, function=function, district=district, area=area_name, purposes=purposes
                    )
                    hits.append(_Hit(person.id, None, text))
    return hits


def _sorted_hits(hits: list[_Hit], directory: Directory, actors: Mapping[uuid.UUID, ActorInfo]) -> list[_Hit]:
    def name(hit: _Hit) -> str:
        if hit.person_id is not None:
            return _normalise(_person_name(directory.person(hit.person_id)))
        actor = actors.get(hit.actor_id) if hit.actor_id is not None else None
        return _normalise(actor.name) if actor else ""

    # members keep the order of their bodies (districts in order); within a body, by name
    return sorted(hits, key=name)


def compute(rules: Rules, directory: Directory, meeting: MeetingFacts) -> InviteeList:
    """The invitees (with reasons) and the signatories of a meeting, from the rules for its kind."""
    kind_rules = rules.kinds.get(meeting.kind, KindRules())
    area = meeting_area(directory, meeting)
    actors = {a.id: a for a in directory.actors}
    collector = _Collector()
    for selector in kind_rules.invite:
        if not _applies(selector, meeting, area):
            continue
        hits = _select(rules, selector, directory, meeting, area)
        if selector.select != "members":
            hits = _sorted_hits(hits, directory, actors)
        for hit in hits:
            if hit.person_id is not None:
                person = directory.person(hit.person_id)
                collector.add(Invitee(person.id, None, _person_name(person), person.email, (hit.text,)))
            elif hit.actor_id is not None:
                actor = actors[hit.actor_id]
                collector.add(Invitee(None, actor.id, actor.name, actor.email, (hit.text,)))
    signatories: list[Signatory] = []
    for selector in kind_rules.signatories:
        if not _applies(selector, meeting, area):
            continue
        for hit in _select(rules, selector, directory, meeting, area):
            if hit.person_id is not None and all(s.person_id != hit.person_id for s in signatories):
                signatories.append(Signatory(hit.person_id, _person_name(directory.person(hit.person_id)), hit.text))
    return InviteeList(tuple(signatories), tuple(collector.entries.values()), kind_rules.public_announcement)


# ---------------------------------------------------------------- manual changes

Action = Literal["add", "remove"]


@dataclass(frozen=True)
class ManualChange:
    invitee_id: uuid.UUID
    action: Action
    reason: str
    actor: str
    at: dt.datetime


class InviteeError(errors.DomainError):
    """A manual change is refused. ``field`` names the input, ``message`` says why (German)."""


MAX_REASON = 500


def check_reason(reason: str, field: str = "reason") -> str:
    text = " ".join(reason.split())
    if not text:
        raise InviteeError(field, "Bitte geben Sie einen Grund an.")
    if len(text) > MAX_REASON:
        raise InviteeError(field, f"Der Grund ist zu lang (höchstens {MAX_REASON} Zeichen).")
    return text


def decide_add(directory: Directory, person_id: uuid.UUID, reason: str) -> str:
    """Checks a manual addition; returns the cleaned reason."""
    text = check_reason(reason)
    person = directory.persons.get(person_id)
    if person is None:
        raise InviteeError("person_id", "Die Person ist nicht bekannt.")
    if person.erased:
        raise InviteeError("person_id", "Die Daten dieser Person wurden gelöscht.")
    return text


def decide_remove(
    computed: Sequence[Invitee], changes: Sequence[ManualChange], invitee_id: uuid.UUID, reason: str
) -> str:
    """Checks a manual removal; only someone on the list (computed or added by hand) can be removed."""
    text = check_reason(reason)
    on_list = any(i.key == invitee_id for i in computed) or any(
        c.invitee_id == invitee_id and c.action == "add" for c in changes
    )
    if not on_list:
        raise InviteeError("person_id", "Diese Person steht nicht auf der Einladungsliste.")
    return text


def final_list(directory: Directory, computed: Iterable[Invitee], changes: Sequence[ManualChange]) -> list[Invitee]:
    """The computed list with the manual changes applied: removed invitees leave it, added ones join it
    (``manual``), with the reason they were added. An erased person never stays on it."""
    latest = {c.invitee_id: c for c in changes}
    out: list[Invitee] = []
    seen: set[uuid.UUID] = set()
    for invitee in computed:
        change = latest.get(invitee.key)
        seen.add(invitee.key)
        if change is not None and change.action == "remove":
            continue
        if change is not None and change.action == "add":
            invitee = replace(invitee, reasons=(*invitee.reasons, f"von Hand hinzugefügt: {change.reason}"))
        out.append(invitee)
    for change in changes:
        if change.action != "add" or change.invitee_id in seen:
            continue
        person = directory.person(change.invitee_id)
        if person.erased:
            continue
        seen.add(change.invitee_id)
        out.append(
            Invitee(
                person.id,
                None,
                _person_name(person),
                person.email,
                (f"von Hand hinzugefügt: {change.reason}",),
                manual=True,
            )
        )
    return out


def invitee_name(directory: Directory, invitee_id: uuid.UUID) -> str:
    """The name to show for an id in the lists of manual changes (a person or an institution)."""
    for actor in directory.actors:
        if actor.id == invitee_id:
            return actor.name
    return _person_name(directory.person(invitee_id))
