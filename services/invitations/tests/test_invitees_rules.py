"""The invitation rules (data/invitation-rules.yaml) as pure unit tests: Westen (three districts), Norden
(two) and Pelkum (one), for the Stadtteilkonferenz and the Koordinierungsrunde, with the reasons."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quartier_invitations.domain.invitees import (
    ERASED_NAME,
    ActorInfo,
    BodyInfo,
    Directory,
    Invitee,
    InviteeError,
    ManualChange,
    MeetingFacts,
    MembershipInfo,
    PersonInfo,
    RulesError,
    compute,
    decide_add,
    decide_remove,
    final_list,
    parse_rules,
)
from quartier_invitations.service.invitees import rules

DAY = dt.date(2027, 3, 10)
AT = dt.datetime(2027, 1, 5, 9, 0, tzinfo=dt.UTC)


def uid(key: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"test/{key}")


DISTRICTS = {
    "mitte": "Hamm-Mitte",
    "pelkum": "Hamm-Pelkum",
    "herringen": "Hamm-Herringen",
    "bockum-hoevel": "Hamm-Bockum-Hövel",
    "heessen": "Hamm-Heessen",
    "uentrop": "Hamm-Uentrop",
}
AREAS = {
    "westen": "Sozialraum Hammer Westen",
    "norden": "Sozialraum Hammer Norden",
    "pelkum": "Sozialraum Pelkum",
    "mitte": "Sozialraum Hamm-Mitte",
    "uentrop": "Sozialraum Uentrop",
}
RESIDENTIAL = {
    11: ("mitte", "mitte"),
    14: ("mitte", "westen"),
    21: ("uentrop", "uentrop"),
    41: ("pelkum", "pelkum"),
    42: ("pelkum", "westen"),
    52: ("herringen", "westen"),
    62: ("bockum-hoevel", "norden"),
    72: ("heessen", "norden"),
}


class Builder:
    def __init__(self) -> None:
        self.bodies: list[BodyInfo] = []
        self.memberships: list[MembershipInfo] = []
        self.persons: dict[uuid.UUID, PersonInfo] = {}
        self.actors: list[ActorInfo] = []
        for key, name in DISTRICTS.items():
            self.bodies.append(BodyInfo(uid(f"bv/{key}"), "district_council", f"Bezirksvertretung {name}", None, key))
        for key, name in AREAS.items():
            short = name.removeprefix("Sozialraum ")
            self.bodies.append(BodyInfo(uid(f"kr/{key}"), "coordination_round", f"Koordinierungsrunde {short}", key))
            self.bodies.append(
                BodyInfo(uid(f"stk/{key}"), "neighbourhood_conference", f"Stadtteilkonferenz {short}", key)
            )
        self.bodies.append(BodyInfo(uid("lk"), "steering_committee", "Lenkungskreis Stadtteilarbeit"))

    def person(
        self,
        key: str,
        name: str,
        *,
        email: str | None = "",
        lives_in: str | None = None,
        functions: tuple[str, ...] = (),
        actor: str | None = None,
    ) -> uuid.UUID:
        pid = uid(f"person/{key}")
        mail = f"{key}@beispiel.example" if email == "" else email
        self.persons[pid] = PersonInfo(
            pid, uid(f"actor/{actor}") if actor else None, lives_in, name, mail, functions, False
        )
        return pid

    def member(
        self,
        person: uuid.UUID,
        body: str,
        role: str = "member",
        *,
        mayor: bool = False,
        ends_on: dt.date | None = None,
    ) -> None:
        self.memberships.append(
            MembershipInfo(uuid.uuid4(), uid(body), person, role, dt.date(2025, 11, 1), ends_on, mayor)
        )

    def actor(self, key: str, name: str, kind: str, areas: tuple[str, ...], email: str | None) -> uuid.UUID:
        self.actors.append(ActorInfo(uid(f"actor/{key}"), name, kind, areas, email))
        return uid(f"actor/{key}")

    def directory(self) -> Directory:
        return Directory(
            city="Hamm",
            districts=DISTRICTS,
            social_areas=AREAS,
            residential_areas=RESIDENTIAL,
            actors=tuple(self.actors),
            bodies=tuple(self.bodies),
            memberships=tuple(self.memberships),
            persons=dict(self.persons),
        )


@pytest.fixture
def city() -> Directory:
    b = Builder()
    for key, short in [
        ("mitte", "Mitte"),
        ("pelkum", "Pelkum"),
        ("herringen", "Herringen"),
        ("bockum-hoevel", "Bockum-Hövel"),
        ("heessen", "Heessen"),
        ("uentrop", "Uentrop"),
    ]:
        mayor = b.person(f"bbm-{key}", f"Bürgermeister:in {short}")
        b.member(mayor, f"bv/{key}", "chair", mayor=True)
        member = b.person(f"bv-{key}", f"Bezirksvertreter:in {short}", lives_in=None)
        b.member(member, f"bv/{key}")
        b.person(f"ba-{key}", f"Bürgeramt {short}", functions=(f"Leitung Bürgeramt {short}",), actor="buergeramt")
        b.person(f"vg-{key}", f"Vereinsguide {short}", functions=(f"Vereinsguide {short}",), actor="buergeramt")
    # a Pelkum council member who lives in the Westen (Wohnbereich 42), one who lives in Pelkum
    westen_resident = b.person("bv-pelkum-westen", "Wohnt Imwesten", lives_in="westen")
    b.member(westen_resident, "bv/pelkum", "deputy")
    pelkum_resident = b.person("bv-pelkum-pelkum", "Wohnt Inpelkum", lives_in="pelkum")
    b.member(pelkum_resident, "bv/pelkum")
    # a former member: ended before the meeting
    former = b.person("bv-herringen-alt", "Ehemals Herringen")
    b.member(former, "bv/herringen", ends_on=dt.date(2026, 12, 31))
    # coordination rounds
    for area in ("westen", "norden", "pelkum"):
        coordinator = b.person(f"stk-{area}", f"Koordination {area.title()}")
        b.member(coordinator, f"kr/{area}", "chair")
        b.member(coordinator, f"stk/{area}", "chair")
        office = b.person(f"buero-{area}", f"Stadtteilbüro {area.title()}")
        b.member(office, f"kr/{area}")
    # the district mayors are guests of the coordination rounds (as in the demo data)
    b.member(uid("person/bbm-pelkum"), "kr/westen", "guest")
    b.member(uid("person/bbm-mitte"), "kr/westen", "guest")
    # the Bürgeramt Pelkum's head is also a member of the Westen round
    b.member(uid("person/ba-pelkum"), "kr/westen")
    # institutions
    b.actor("kita-westen", "Kita Beispielgarten Westen", "kita", ("westen",), "kita@beispiel.example")
    school = b.actor("schule-westen", "Grundschule Musterpark", "school", ("westen",), None)
    b.person("schule-leitung", "Schulleitung Probe", actor="schule-westen")
    assert school == uid("actor/schule-westen")
    b.actor("polizei", "Bezirksdienst der Polizei", "police_district_service", tuple(AREAS), "polizei@beispiel.example")
    b.actor("politik", "Politische Vertretungen", "other", tuple(AREAS), "politik@beispiel.example")
    b.actor("kita-norden", "Kita Norden", "kita", ("norden",), "kita-norden@beispiel.example")
    # the steering committee
    for i in range(3):
        b.member(b.person(f"lk-{i}", f"Leitung {i}"), "lk", "chair" if i == 0 else "member")
    return b.directory()


def meeting(kind: str, area: str | None, body: str, purposes: tuple[str, ...] = ()) -> MeetingFacts:
    return MeetingFacts(uid(f"meeting/{kind}/{area}"), kind, (uid(body),), area, purposes, DAY)


def by_name(invitees: tuple[Invitee, ...] | list[Invitee]) -> dict[str, tuple[str, ...]]:
    return {i.name: i.reasons for i in invitees}


# ---------------------------------------------------------------- Stadtteilkonferenz


def test_westen_conference_invites_the_councils_of_all_three_districts(city: Directory) -> None:
    result = compute(rules(), city, meeting("neighbourhood_conference", "westen", "stk/westen"))
    assert [(s.name, s.role) for s in result.signatories] == [
        ("Koordination Westen", "Stadtteilkoordination, Sozialraum Hammer Westen"),
        ("Bürgermeister:in Mitte", "Bezirksbürgermeister:in, Bezirksvertretung Hamm-Mitte"),
        ("Bürgermeister:in Pelkum", "Bezirksbürgermeister:in, Bezirksvertretung Hamm-Pelkum"),
        ("Bürgermeister:in Herringen", "Bezirksbürgermeister:in, Bezirksvertretung Hamm-Herringen"),
    ]
    invited = by_name(result.computed)
    for short in ("Mitte", "Pelkum", "Herringen"):
        assert invited[f"Bürgermeister:in {short}"][0] == (
            f"Bezirksbürgermeister:in, Bezirksvertretung Hamm-{short} (lädt mit ein)"
        )
        assert invited[f"Bezirksvertreter:in {short}"] == (f"Mitglied der Bezirksvertretung Hamm-{short}",)
    # a council member who lives in the Sozialraum is marked as such
    assert invited["Wohnt Imwesten"] == (
        "Mitglied der Bezirksvertretung Hamm-Pelkum",
        "wohnt im Sozialraum Hammer Westen",
    )
    assert invited["Wohnt Inpelkum"] == ("Mitglied der Bezirksvertretung Hamm-Pelkum",)
    # the coordination round (not its guests by that role) and the conference's own members
    assert invited["Koordination Westen"] == (
        "Vorsitz: Koordinierungsrunde Hammer Westen",
        "Vorsitz: Stadtteilkonferenz Hammer Westen",
    )
    assert invited["Stadtteilbüro Westen"] == ("Mitglied: Koordinierungsrunde Hammer Westen",)
    assert invited["Bürgeramt Pelkum"] == ("Mitglied: Koordinierungsrunde Hammer Westen",)
    assert "Gast: Koordinierungsrunde Hammer Westen" not in invited["Bürgermeister:in Pelkum"]
    # institutions of the area: with their own address, or through their people
    assert invited["Kita Beispielgarten Westen"] == ("Kita im Sozialraum Hammer Westen",)
    assert invited["Bezirksdienst der Polizei"] == ("Bezirksdienst der Polizei im Sozialraum Hammer Westen",)
    assert invited["Schulleitung Probe"] == ("Ansprechperson: Schule im Sozialraum Hammer Westen",)
    kita = next(i for i in result.computed if i.name == "Kita Beispielgarten Westen")
    assert kita.actor_id == uid("actor/kita-westen") and kita.person_id is None
    assert kita.email == "kita@beispiel.example"
    # not invited: other districts' councils, former members, other areas' institutions, "other" actors
    for name in (
        "Bezirksvertreter:in Uentrop",
        "Bürgermeister:in Heessen",
        "Ehemals Herringen",
        "Kita Norden",
        "Politische Vertretungen",
        "Grundschule Musterpark",
    ):
        assert name not in invited, name
    assert result.public_announcement is True
    # every invitee appears once
    keys = [i.key for i in result.computed]
    assert len(keys) == len(set(keys))


def test_norden_conference_invites_bockum_hoevel_and_heessen(city: Directory) -> None:
    result = compute(rules(), city, meeting("neighbourhood_conference", "norden", "stk/norden"))
    assert [s.role for s in result.signatories] == [
        "Stadtteilkoordination, Sozialraum Hammer Norden",
        "Bezirksbürgermeister:in, Bezirksvertretung Hamm-Bockum-Hövel",
        "Bezirksbürgermeister:in, Bezirksvertretung Hamm-Heessen",
    ]
    invited = by_name(result.computed)
    assert invited["Bezirksvertreter:in Bockum-Hövel"] == ("Mitglied der Bezirksvertretung Hamm-Bockum-Hövel",)
    assert invited["Bezirksvertreter:in Heessen"] == ("Mitglied der Bezirksvertretung Hamm-Heessen",)
    assert invited["Bürgermeister:in Heessen"] == (
        "Bezirksbürgermeister:in, Bezirksvertretung Hamm-Heessen (lädt mit ein)",
    )
    assert invited["Kita Norden"] == ("Kita im Sozialraum Hammer Norden",)
    elsewhere = ("Bezirksvertreter:in Mitte", "Bürgermeister:in Pelkum", "Wohnt Imwesten", "Kita Beispielgarten Westen")
    for name in elsewhere:
        assert name not in invited, name


def test_a_one_district_conference_invites_that_district_only(city: Directory) -> None:
    result = compute(rules(), city, meeting("neighbourhood_conference", "pelkum", "stk/pelkum"))
    assert [(s.name, s.role) for s in result.signatories] == [
        ("Koordination Pelkum", "Stadtteilkoordination, Sozialraum Pelkum"),
        ("Bürgermeister:in Pelkum", "Bezirksbürgermeister:in, Bezirksvertretung Hamm-Pelkum"),
    ]
    invited = by_name(result.computed)
    assert invited["Wohnt Inpelkum"] == ("Mitglied der Bezirksvertretung Hamm-Pelkum", "wohnt im Sozialraum Pelkum")
    # lives in the Westen, sits in the Pelkum council: invited as a member, not marked
    assert invited["Wohnt Imwesten"] == ("Mitglied der Bezirksvertretung Hamm-Pelkum",)
    districts = {r for reasons in invited.values() for r in reasons if "Bezirksvertretung" in r}
    assert all("Hamm-Pelkum" in r for r in districts)
    assert invited["Bezirksdienst der Polizei"] == ("Bezirksdienst der Polizei im Sozialraum Pelkum",)


# ---------------------------------------------------------------- Koordinierungsrunde


def test_westen_round_invites_buergeramt_and_vereinsguides_of_all_its_districts(city: Directory) -> None:
    result = compute(rules(), city, meeting("coordination_round", "westen", "kr/westen"))
    invited = by_name(result.computed)
    assert invited["Koordination Westen"] == ("Vorsitz: Koordinierungsrunde Hammer Westen",)
    assert invited["Bürgeramt Pelkum"] == (
        "Mitglied: Koordinierungsrunde Hammer Westen",
        "Leitung Bürgeramt Pelkum: der Stadtbezirk Hamm-Pelkum gehört zum Sozialraum Hammer Westen",
    )
    for short in ("Mitte", "Herringen"):
        assert invited[f"Bürgeramt {short}"] == (
            f"Leitung Bürgeramt {short}: der Stadtbezirk Hamm-{short} gehört zum Sozialraum Hammer Westen",
        )
    for short in ("Mitte", "Pelkum", "Herringen"):
        assert invited[f"Vereinsguide {short}"] == (
            f"Vereinsguide {short}: der Stadtbezirk Hamm-{short} gehört zum Sozialraum Hammer Westen",
        )
    # a session that prepares nothing special: no district mayors (their guest role does not invite them)
    assert not [n for n in invited if n.startswith("Bürgermeister:in")]
    assert "Bürgeramt Uentrop" not in invited and "Vereinsguide Heessen" not in invited
    assert result.signatories == () and result.public_announcement is False


def test_a_round_preparing_the_annual_plan_invites_the_district_mayors(city: Directory) -> None:
    result = compute(rules(), city, meeting("coordination_round", "westen", "kr/westen", ("prepares_annual_plan",)))
    invited = by_name(result.computed)
    for short in ("Mitte", "Pelkum", "Herringen"):
        assert invited[f"Bürgermeister:in {short}"] == (
            f"Bezirksbürgermeister:in, Bezirksvertretung Hamm-{short}: die Sitzung bereitet den Jahresplan vor",
        )
    norden = compute(
        rules(), city, meeting("coordination_round", "norden", "kr/norden", ("prepares_participation", "other"))
    )
    invited = by_name(norden.computed)
    assert invited["Bürgermeister:in Heessen"] == (
        "Bezirksbürgermeister:in, Bezirksvertretung Hamm-Heessen: die Sitzung bereitet ein Beteiligungsformat vor",
    )
    assert invited["Vereinsguide Bockum-Hövel"] == (
        "Vereinsguide Bockum-Hövel: der Stadtbezirk Hamm-Bockum-Hövel gehört zum Sozialraum Hammer Norden",
    )
    assert "Bürgermeister:in Mitte" not in invited


def test_a_one_district_round_has_no_buergeramt_rule(city: Directory) -> None:
    plain = by_name(compute(rules(), city, meeting("coordination_round", "pelkum", "kr/pelkum")).computed)
    assert set(plain) == {"Koordination Pelkum", "Stadtteilbüro Pelkum"}
    preparing = compute(rules(), city, meeting("coordination_round", "pelkum", "kr/pelkum", ("prepares_conference",)))
    assert by_name(preparing.computed)["Bürgermeister:in Pelkum"] == (
        "Bezirksbürgermeister:in, Bezirksvertretung Hamm-Pelkum: die Sitzung bereitet die Stadtteilkonferenz vor",
    )


def test_steering_committee_and_joint_meetings_invite_the_members_of_their_bodies(city: Directory) -> None:
    result = compute(rules(), city, meeting("steering_committee", None, "lk"))
    assert by_name(result.computed) == {
        "Leitung 0": ("Vorsitz: Lenkungskreis Stadtteilarbeit",),
        "Leitung 1": ("Mitglied: Lenkungskreis Stadtteilarbeit",),
        "Leitung 2": ("Mitglied: Lenkungskreis Stadtteilarbeit",),
    }
    joint = MeetingFacts(uid("joint"), "joint", (uid("lk"), uid("kr/pelkum")), None, (), DAY)
    invited = by_name(compute(rules(), city, joint).computed)
    assert invited["Leitung 0"] == ("Vorsitz: Lenkungskreis Stadtteilarbeit",)
    assert invited["Koordination Pelkum"] == ("Vorsitz: Koordinierungsrunde Pelkum",)


def test_the_area_comes_from_the_body_when_the_meeting_names_none(city: Directory) -> None:
    result = compute(rules(), city, meeting("coordination_round", None, "kr/norden"))
    assert "Vereinsguide Heessen" in by_name(result.computed)


# ---------------------------------------------------------------- people without contact details, erased people


def test_unknown_and_erased_people(city: Directory) -> None:
    pid = uid("person/bv-mitte")
    erased = replace(city, persons={**city.persons, pid: PersonInfo(pid, erased=True)})
    invited = compute(rules(), erased, meeting("neighbourhood_conference", "westen", "stk/westen")).computed
    assert pid not in {i.key for i in invited}
    unknown = replace(city, persons={**city.persons, pid: PersonInfo(pid)})
    invited = compute(rules(), unknown, meeting("neighbourhood_conference", "westen", "stk/westen")).computed
    (entry,) = [i for i in invited if i.key == pid]
    assert entry.name == "(Name noch nicht bekannt)" and entry.email is None


# ---------------------------------------------------------------- manual changes


def test_manual_additions_and_removals_survive_recomputation(city: Directory) -> None:
    facts = meeting("coordination_round", "pelkum", "kr/pelkum")
    computed = compute(rules(), city, facts).computed
    office = uid("person/buero-pelkum")
    guest = uid("person/vg-uentrop")
    changes = [
        ManualChange(office, "remove", "vertreten durch die Koordination", "koordination", AT),
        ManualChange(guest, "add", "berichtet über das Vereinsnetz", "koordination", AT),
    ]
    final = final_list(city, computed, changes)
    assert {i.name: (i.reasons, i.manual) for i in final} == {
        "Koordination Pelkum": (("Vorsitz: Koordinierungsrunde Pelkum",), False),
        "Vereinsguide Uentrop": (("von Hand hinzugefügt: berichtet über das Vereinsnetz",), True),
    }
    # the registry changes (a new member joins): the removal still holds, the newcomer appears
    b = Builder()
    newcomer = b.person("neu", "Neu Im Team")
    more = replace(
        city,
        persons={**city.persons, **b.persons},
        memberships=(
            *city.memberships,
            MembershipInfo(uuid.uuid4(), uid("kr/pelkum"), newcomer, "member", dt.date(2027, 1, 1)),
        ),
    )
    recomputed = final_list(more, compute(rules(), more, facts).computed, changes)
    assert {i.name for i in recomputed} == {"Koordination Pelkum", "Vereinsguide Uentrop", "Neu Im Team"}
    # the computed list itself stays visible and unchanged by the manual changes
    assert office in {i.key for i in compute(rules(), more, facts).computed}
    # adding someone already computed adds the reason, not a second entry
    twice = final_list(city, computed, [ManualChange(office, "add", "bitte persönlich", "x", AT)])
    (entry,) = [i for i in twice if i.key == office]
    assert entry.reasons[-1] == "von Hand hinzugefügt: bitte persönlich" and not entry.manual
    # an erased person leaves a manual addition too
    gone = replace(city, persons={**city.persons, guest: PersonInfo(guest, erased=True)})
    assert guest not in {i.key for i in final_list(gone, computed, changes)}
    assert ERASED_NAME == "(Daten gelöscht)"


def test_manual_changes_are_checked(city: Directory) -> None:
    computed = compute(rules(), city, meeting("coordination_round", "pelkum", "kr/pelkum")).computed
    with pytest.raises(InviteeError) as missing:
        decide_add(city, uid("person/bv-mitte"), "   ")
    assert missing.value.field == "reason" and "Grund" in missing.value.message
    with pytest.raises(InviteeError) as unknown:
        decide_add(city, uuid.uuid4(), "Gast")
    assert unknown.value.field == "person_id"
    with pytest.raises(InviteeError) as long:
        decide_add(city, uid("person/bv-mitte"), "x" * 501)
    assert "höchstens 500 Zeichen" in long.value.message
    with pytest.raises(InviteeError) as not_listed:
        decide_remove(computed, [], uid("person/bv-mitte"), "kein Bezug")
    assert "nicht auf der Einladungsliste" in not_listed.value.message
    assert decide_add(city, uid("person/bv-mitte"), "  berichtet\n aus dem Rat ") == "berichtet aus dem Rat"


# ---------------------------------------------------------------- the rules file


def test_the_rules_file_is_checked() -> None:
    with pytest.raises(RulesError, match="select"):
        parse_rules({"kinds": {"joint": {"invite": [{"select": "everyone", "reason": "x"}]}}})
    with pytest.raises(RulesError, match="Platzhalter"):
        parse_rules({"kinds": {"joint": {"invite": [{"select": "members", "reason": "{name}"}]}}})
    with pytest.raises(RulesError, match="body_kind"):
        parse_rules({"kinds": {"joint": {"invite": [{"select": "members", "bodies": "area", "reason": "x"}]}}})
    with pytest.raises(RulesError, match="unbekannte Angabe"):
        parse_rules({"kinds": {"joint": {"invite": [{"select": "members", "reason": "x", "rolez": []}]}}})
    assert set(rules().kinds) == {
        "neighbourhood_conference",
        "coordination_round",
        "steering_committee",
        "working_group",
        "joint",
    }


# ---------------------------------------------------------------- invariants over many directories and changes

PEOPLE = [uid(f"person/h{i}") for i in range(8)]
BODIES = ["bv/mitte", "bv/pelkum", "bv/herringen", "kr/westen", "stk/westen", "bv/uentrop"]
ROLES = ["chair", "deputy", "member", "guest"]


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Directory, MeetingFacts, list[ManualChange]]:
    memberships = draw(
        st.lists(st.tuples(st.sampled_from(PEOPLE), st.sampled_from(BODIES), st.sampled_from(ROLES)), max_size=20)
    )
    erased = draw(st.sets(st.sampled_from(PEOPLE), max_size=3))
    residents = draw(st.sets(st.sampled_from(PEOPLE), max_size=4))
    b = Builder()
    persons = {
        p: PersonInfo(p, None, "westen" if p in residents else None, f"Person {i}", f"p{i}@beispiel.example", (),
                      p in erased)
        for i, p in enumerate(PEOPLE)
    }  # fmt: skip
    b.persons.update(persons)
    for person, body, role in memberships:
        b.member(person, body, role, mayor=role == "chair" and body.startswith("bv/"))
    kind, body = draw(
        st.sampled_from([("neighbourhood_conference", "stk/westen"), ("coordination_round", "kr/westen")])
    )
    purposes = tuple(draw(st.sets(st.sampled_from(["prepares_annual_plan", "prepares_conference", "other"]))))
    changes = [
        ManualChange(p, action, "Grund", "test", AT)
        for p, action in draw(st.dictionaries(st.sampled_from(PEOPLE), st.sampled_from(["add", "remove"]))).items()
    ]
    return b.directory(), MeetingFacts(uid("m"), kind, (uid(body),), "westen", purposes, DAY), changes


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_every_invitee_once_with_a_reason_and_manual_changes_always_hold(
    scenario: tuple[Directory, MeetingFacts, list[ManualChange]],
) -> None:
    directory, facts, changes = scenario
    computed = compute(rules(), directory, facts).computed
    keys = [i.key for i in computed]
    assert len(keys) == len(set(keys))
    assert all(i.reasons and all(r.strip() for r in i.reasons) for i in computed)
    assert not [i for i in computed if i.person_id in directory.persons and directory.persons[i.person_id].erased]
    final = {i.key: i for i in final_list(directory, computed, changes)}
    for change in changes:
        if change.action == "remove":
            assert change.invitee_id not in final
        elif not directory.persons[change.invitee_id].erased:
            assert "von Hand hinzugefügt: Grund" in final[change.invitee_id].reasons
    # nobody outside the area's three districts' councils, the round, the conference, or the residents
    uentrop_only = {m.person_id for m in directory.memberships if m.body_id == uid("bv/uentrop")} - {
        m.person_id for m in directory.memberships if m.body_id != uid("bv/uentrop")
    }
    uentrop_only -= {p.id for p in directory.persons.values() if p.lives_in_social_area_key == "westen"}
    assert not uentrop_only & set(keys)
