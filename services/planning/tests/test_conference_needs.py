"""Needs raised at a Stadtteilkonferenz (announced by the invitations service) as pure rules."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from quartier_planning.db.needs import from_document, to_document
from quartier_planning.domain import needs as n
from quartier_planning.domain.needs import NeedCatalogue
from quartier_planning.domain.plans import InvalidInput
from quartier_shared.events.planning import NeedRaised

TODAY = dt.date(2027, 3, 1)
MEETING = uuid.UUID(int=7)
WESTEN = NeedCatalogue(
    social_area_exists=True,
    residential_area_numbers=frozenset({14, 42}),
    fields_of_action=frozenset({"Familienarbeit"}),
    known_actor_ids=frozenset(),
)


def test_a_conference_need_names_the_meeting_not_a_person() -> None:
    spec = n.from_conference(MEETING, "westen", "  Mehr   Bänke im Park ", "Familienarbeit", 42, TODAY)
    need_id = uuid.uuid4()
    need, events = n.raise_need(need_id, spec, WESTEN, TODAY)
    assert (need.id, need.source, need.raised_by, need.meeting_id) == (
        need_id,
        "neighbourhood_conference",
        "Stadtteilkonferenz",
        MEETING,
    )
    assert (need.title, need.description, need.residential_area_number) == ("Mehr Bänke im Park", "", 42)
    assert events == [
        NeedRaised(
            need_id=need_id,
            social_area_key="westen",
            source="neighbourhood_conference",
            field_of_action="Familienarbeit",
            residential_area_number=42,
            raised_on=TODAY,
            meeting_id=MEETING,
        )
    ]
    assert from_document(to_document(need)) == need
    old = to_document(need)
    del old["meeting_id"]  # a need stored before conference needs arrived
    assert from_document(old).meeting_id is None


def test_a_long_text_gives_a_title_cut_at_a_word_and_stays_whole_in_the_description() -> None:
    text = " ".join(["Spielplatz"] * 40)
    spec = n.from_conference(MEETING, "westen", text, "Familienarbeit", None, TODAY)
    assert len(spec.title) <= n.TITLE_MAX and spec.title.endswith("Spielplatz…")
    assert spec.description == text
    need, _ = n.raise_need(uuid.uuid4(), spec, WESTEN, TODAY)
    assert need.title == spec.title


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("atlantis", "Familienarbeit", None), "social_area_key"),
        (("westen", "Raumfahrt", None), "field_of_action"),
        (("westen", "Familienarbeit", 99), "residential_area_number"),
    ],
)
def test_what_planning_cannot_take_in_is_refused_naming_the_field(
    args: tuple[str, str, int | None], field: str
) -> None:
    area, field_of_action, number = args
    catalogue = WESTEN if area == "westen" else NeedCatalogue(False, frozenset(), WESTEN.fields_of_action, frozenset())
    spec = n.from_conference(MEETING, area, "Bänke", field_of_action, number, TODAY)
    with pytest.raises(InvalidInput) as err:
        n.raise_need(uuid.uuid4(), spec, catalogue, TODAY)
    assert err.value.field == field


def test_only_a_conference_need_names_a_meeting() -> None:
    spec = n.from_conference(MEETING, "westen", "Bänke", "Familienarbeit", None, TODAY)
    with pytest.raises(InvalidInput) as err:
        n.raise_need(uuid.uuid4(), n.NeedInput(**{**spec.__dict__, "source": "resident"}), WESTEN, TODAY)
    assert err.value.field == "meeting_id"
