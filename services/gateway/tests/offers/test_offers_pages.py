"""The offer pages through the whole ASGI stack with the fake registry: forms, German field errors from the
registry's 422, the duplicate warning at the moment of entry, CSRF, roles, and the public search."""

import re

import pytest

from quartier_gateway.offers.rules import field_id, recurrence_text, similarity_text

# the fake registry's offers (conftest.py, FakeOffers)
OFFER_WESTEN = "11111111-1111-4111-8111-111111111111"
OFFER_MITTE = "22222222-2222-4222-8222-222222222222"
OFFER_DUE = "33333333-3333-4333-8333-333333333333"
PAIR_SEEDED = "44444444-4444-4444-8444-444444444444"


def assert_accessible_page(html: str, structure) -> None:
    """As in test_pages.py: one h1, German, landmarks, every visible control labelled, no inline script/style."""
    page = structure(html)
    assert page.count("h1") == 1, "exactly one h1 per page"
    assert page.find("html")[0].get("lang") == "de"
    for landmark in ("header", "nav", "main", "footer"):
        assert page.count(landmark) >= 1, f"landmark {landmark} missing"
    labels = {lab.get("for") for lab in page.find("label")}
    ids = page.ids()
    for tag in ("input", "select", "textarea"):
        for control in page.find(tag):
            if control.get("type") == "hidden":
                continue
            assert control.get("id") in labels, f"{tag} {control.get('id')} has no label"
            for ref in (control.get("aria-describedby") or "").split():
                assert ref in ids, f"aria-describedby points to missing id {ref}"
    for fieldset in page.find("fieldset"):
        for ref in (fieldset.get("aria-describedby") or "").split():
            assert ref in ids, f"aria-describedby points to missing id {ref}"
    assert len(ids) == len([a for _, a in page.tags if a.get("id")]), "ids are unique"
    assert "<script>" not in html and " style=" not in html, "no inline script or style (CSP)"


FORM = {
    "titel": "Sprachtreff am Nachmittag",
    "beschreibung": "Deutsch üben in kleiner Runde.",
    "traeger": "3f2a7c1e-8a4b-5d6e-9f00-112233445566",
    "handlungsfeld": "Quartiersmanagement",
    "querschnittsthemen": ["Integration", "Bildung"],
    "zielgruppen": "Erwachsene, Geflüchtete",
    "sprachen": "Deutsch, Arabisch",
    "ort_art": "community_centre",
    "ort_sozialraum": "westen",
    "termin_rhythmus": "weekly",
    "wochentage": ["tuesday"],
    "uhrzeit_von": "15:00",
    "uhrzeit_bis": "17:00",
    "kostenlos": "ja",
    "rollstuhl": "ja",
    "kontakt_stelle": "Stadtteilbüro Westen",
    "kontakt_email": "stadtteilbuero-westen@example.org",
}


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


async def post_form(client, path: str, data: dict, page: str | None = None):
    html = (await client.get(page or "/angebote/neu")).text
    return await client.post(path, data={**data, "csrf_token": token_of(html)})


def test_plain_german_texts():
    assert (
        recurrence_text({"frequency": "weekly", "weekdays": ["tuesday"], "start_time": "15:00", "end_time": "17:00"})
        == "jeden Dienstag, 15:00–17:00 Uhr"
    )
    assert (
        recurrence_text(
            {
                "frequency": "monthly",
                "weekdays": ["wednesday"],
                "ordinals": [1, 3],
                "start_time": "09:00",
                "end_time": "11:00",
            }
        )
        == "jeden ersten und dritten Mittwoch im Monat, 09:00–11:00 Uhr"
    )
    assert similarity_text(0.8249) == "Ähnlichkeit 82 %"
    assert field_id("schedule.recurrences[0].weekdays") == "wochentage"
    assert field_id("schedule.recurrences.0.weekdays") == "wochentage"
    assert field_id("place.residential_area_number") == "ort_wohnbereich"
    assert field_id("cross_cutting_themes[1]") == "querschnittsthemen"
    assert field_id("contact.email") == "kontakt_email"


async def test_staff_pages_need_login(client):
    for path in ("/angebote", "/angebote/neu", "/angebote/duplikate", f"/angebote/{OFFER_WESTEN}"):
        response = await client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/anmelden?weiter=")


async def test_list_marks_review_due_and_passes_filters(client, login, registry, structure):
    await login(client, "lenkungskreis")
    response = await client.get("/angebote?sozialraum=mitte&handlungsfeld=Senior%3Ainnenarbeit&zielgruppe=senior")
    assert response.status_code == 200
    assert_accessible_page(response.text, structure)
    assert "Mittagstisch" in response.text
    query = [q for path, q in registry.offers.queries if path == "offers"][-1]
    assert query["social_area_key"] == "mitte"
    assert query["field_of_action"] == "Senior:innenarbeit"
    assert query["target_group"] == "senior"
    due = await client.get("/angebote?faellig=1")
    assert "Seniorencafé" in due.text and "Überprüfung fällig" in due.text
    assert "Mittagstisch" not in due.text
    assert "Neues Angebot" not in response.text, "the steering committee reads only"


async def test_new_form_renders_with_labels_and_one_h1(client, login, structure):
    await login(client, "koordination.westen")
    response = await client.get("/angebote/neu")
    assert response.status_code == 200
    assert_accessible_page(response.text, structure)
    page = structure(response.text)
    labels = {lab.get("for") for lab in page.find("label")}
    for select in page.find("select"):
        assert select.get("id") in labels
    for area in page.find("textarea"):
        assert area.get("id") in labels
    assert page.count("legend") >= 5
    assert "Nachbarschaftshilfe Westen e.V." in response.text, "providers come from the actors API"
    assert 'value="westen" selected' in response.text, "the coordinator's own area is preselected"


async def test_provider_is_a_text_field_without_an_actors_api(client, login, registry):
    registry.offers.actors = None
    await login(client, "admin")
    response = await client.get("/angebote/neu")
    assert 'id="traeger" name="traeger" type="text"' in response.text


async def test_registry_422_is_shown_at_the_field_with_a_summary(client, login, registry, structure):
    await login(client, "koordination.westen")
    response = await post_form(client, "/angebote/neu", {**FORM, "wochentage": []})
    assert response.status_code == 422
    assert_accessible_page(response.text, structure)
    message = "Bitte geben Sie mindestens einen Wochentag für den Termin an."
    assert f'<a class="kern-link" href="#wochentage-monday">{message}</a>' in response.text
    assert 'id="wochentage-fehler"' in response.text
    assert re.search(r'id="wochentage-gruppe"\s+aria-describedby="wochentage-fehler"', response.text)
    assert 'value="Sprachtreff am Nachmittag"' in response.text, "what was entered stays"

    response = await post_form(client, "/angebote/neu", {**FORM, "titel": ""})
    assert response.status_code == 422
    assert 'href="#titel">Bitte geben Sie einen Titel an.</a>' in response.text
    assert re.search(r'id="titel"[^>]*aria-describedby="titel-fehler"[^>]*aria-invalid="true"', response.text, re.S)


async def test_saving_shows_the_duplicate_warning_with_reasons(client, login, registry, structure):
    await login(client, "koordination.westen")
    response = await post_form(client, "/angebote/neu", FORM)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.endswith("?erledigt=neu")
    sent = [c for c in registry.calls if c[0] == "POST" and c[1] == "/api/v1/offers"][-1]
    body = sent[2]
    assert sent[3] == "koordination.westen"
    assert body["target_groups"] == ["Erwachsene", "Geflüchtete"]
    assert body["place"] == {"kind": "community_centre", "social_area_key": "westen"}
    assert body["schedule"]["recurrences"] == [
        {"frequency": "weekly", "weekdays": ["tuesday"], "start_time": "15:00", "end_time": "17:00"}
    ]
    assert body["free_of_charge"] is True and body["accessibility"]["wheelchair_accessible"] is True

    page = await client.get(location)
    assert page.status_code == 200
    assert_accessible_page(page.text, structure)
    html = page.text
    assert "Das Angebot ist gespeichert." in html
    assert "Achtung: Dieses Angebot gibt es vielleicht schon" in html
    assert "Ähnlichkeit 82 %" in html
    assert "<li>ähnlicher Titel</li>" in html
    assert "<li>gleicher Wochentag und überschneidende Uhrzeit</li>" in html
    assert f'href="/angebote/{OFFER_WESTEN}"' in html
    assert "Kein Duplikat" in html and "Zusammenführen" in html
    assert "jeden Dienstag, 15:00–17:00 Uhr" in html

    new_id = location.split("/")[2].split("?")[0]
    pair_id = re.search(r'action="/angebote/duplikate/([^/]+)/kein-duplikat"', html).group(1)
    dismissed = await client.post(
        f"/angebote/duplikate/{pair_id}/kein-duplikat", data={"angebot": new_id, "csrf_token": token_of(html)}
    )
    assert dismissed.status_code == 303
    assert dismissed.headers["location"] == f"/angebote/{new_id}?erledigt=kein-duplikat"
    assert registry.offers.pairs[pair_id]["status"] == "dismissed"
    after = await client.get(dismissed.headers["location"])
    assert "Achtung: Dieses Angebot" not in after.text
    assert "nicht wieder vorgeschlagen" in after.text


async def test_merge_keeps_the_chosen_offer(client, login, registry):
    await login(client, "admin")
    html = (await client.get("/angebote/duplikate")).text
    assert "Ähnlichkeit 86 %" in html and "gleicher Ort" in html
    response = await client.post(
        f"/angebote/duplikate/{PAIR_SEEDED}/zusammenfuehren",
        data={"angebot": OFFER_WESTEN, "behalten": OFFER_WESTEN, "zurueck": "duplikate", "csrf_token": token_of(html)},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/angebote/duplikate?erledigt=zusammengefuehrt"
    sent = [c for c in registry.calls if c[1].endswith("/merge")][-1]
    assert sent[2] == {"keep_offer_id": OFFER_WESTEN}
    assert registry.offers.pairs[PAIR_SEEDED]["status"] == "merged"


async def test_posts_without_csrf_token_are_refused(client, login, registry):
    await login(client, "admin")
    for path, data in (
        ("/angebote/neu", FORM),
        (f"/angebote/{OFFER_WESTEN}/bestaetigen", {}),
        (f"/angebote/{OFFER_WESTEN}/zurueckziehen", {"grund": "Ende"}),
        (f"/angebote/duplikate/{PAIR_SEEDED}/kein-duplikat", {"angebot": OFFER_WESTEN}),
        (f"/angebote/duplikate/{PAIR_SEEDED}/zusammenfuehren", {"angebot": OFFER_WESTEN, "behalten": OFFER_WESTEN}),
    ):
        response = await client.post(path, data=data)
        assert response.status_code == 403, path
        assert "CSRF" in response.text
    assert not [c for c in registry.calls if c[0] == "POST"], "nothing reached the registry"


@pytest.mark.parametrize("username", ["lenkungskreis", "bezirk.mitte"])
async def test_read_only_roles_are_refused(client, login, registry, username):
    await login(client, username)
    html = (await client.get(f"/angebote/{OFFER_WESTEN}")).text
    assert "Bearbeiten" not in html and "Kein Duplikat" not in html
    assert (await client.get("/angebote/neu")).status_code == 403
    assert (await client.get(f"/angebote/{OFFER_WESTEN}/bearbeiten")).status_code == 403
    token = token_of(html)
    assert (await client.post("/angebote/neu", data={**FORM, "csrf_token": token})).status_code == 403
    confirm = await client.post(f"/angebote/{OFFER_WESTEN}/bestaetigen", data={"csrf_token": token})
    assert confirm.status_code == 403
    dismiss = await client.post(
        f"/angebote/duplikate/{PAIR_SEEDED}/kein-duplikat", data={"angebot": OFFER_WESTEN, "csrf_token": token}
    )
    assert dismiss.status_code == 403
    assert not [c for c in registry.calls if c[0] in ("POST", "PUT")]


async def test_coordinator_changes_only_offers_of_the_own_area(client, login, registry):
    await login(client, "koordination.westen")
    assert (await client.get(f"/angebote/{OFFER_MITTE}/bearbeiten")).status_code == 403
    html = (await client.get(f"/angebote/{OFFER_WESTEN}/bearbeiten")).text
    assert 'value="Sprachcafé International"' in html
    token = token_of(html)
    assert (await client.post(f"/angebote/{OFFER_MITTE}/bestaetigen", data={"csrf_token": token})).status_code == 403
    # a new offer in another Sozialraum is refused at the place field
    response = await client.post("/angebote/neu", data={**FORM, "ort_sozialraum": "mitte", "csrf_token": token})
    assert response.status_code == 403
    assert 'href="#ort_sozialraum">Sie können nur Angebote in Ihrem eigenen Sozialraum' in response.text
    confirmed = await client.post(f"/angebote/{OFFER_WESTEN}/bestaetigen", data={"csrf_token": token})
    assert confirmed.status_code == 303 and confirmed.headers["location"].endswith("?erledigt=bestaetigt")


async def test_edit_sends_a_put_and_withdraw_needs_a_reason(client, login, registry, structure):
    await login(client, "admin")
    html = (await client.get(f"/angebote/{OFFER_DUE}/bearbeiten")).text
    assert_accessible_page(html, structure)
    response = await client.post(
        f"/angebote/{OFFER_DUE}/bearbeiten", data={**FORM, "titel": "Seniorencafé Mitte", "csrf_token": token_of(html)}
    )
    assert response.status_code == 303
    put = [c for c in registry.calls if c[0] == "PUT"][-1]
    assert put[1] == f"/api/v1/offers/{OFFER_DUE}" and put[2]["title"] == "Seniorencafé Mitte"

    empty = await client.post(f"/angebote/{OFFER_DUE}/zurueckziehen", data={"grund": " ", "csrf_token": token_of(html)})
    assert empty.status_code == 422
    assert "Bitte geben Sie einen Grund für das Zurückziehen an." in empty.text
    assert 'aria-describedby="grund-hinweis grund-fehler"' in empty.text
    done = await client.post(
        f"/angebote/{OFFER_DUE}/zurueckziehen", data={"grund": "Angebot endet", "csrf_token": token_of(html)}
    )
    assert done.status_code == 303
    assert registry.offers.items[OFFER_DUE]["status"] == "withdrawn"


async def test_unknown_offer_is_a_german_404(client, login):
    await login(client, "admin")
    assert (await client.get("/angebote/kein-uuid")).status_code == 404
    response = await client.get("/angebote/99999999-9999-4999-8999-999999999999")
    assert response.status_code == 404 and "Diese Seite gibt es nicht." in response.text


async def test_public_search_without_login_passes_filters(client, registry, structure):
    response = await client.get(
        "/oeffentlich/angebote?sozialraum=westen&handlungsfeld=Quartiersmanagement&zielgruppe=Gefl%C3%BCchtete&sprache=Arabisch"
    )
    assert response.status_code == 200
    assert_accessible_page(response.text, structure)
    query = [q for path, q in registry.offers.queries if path == "offers"][-1]
    assert query == {
        "social_area_key": "westen",
        "field_of_action": "Quartiersmanagement",
        "target_group": "Geflüchtete",
        "language": "Arabisch",
        "limit": "20",
        "offset": "0",
    }
    html = response.text
    assert re.search(r'role="status" id="trefferzahl">\s*2 Angebote gefunden', html)
    assert '<h3 class="kern-title kern-title--large" id="angebot-1">Sprachcafé International</h3>' in html
    assert "jeden Dienstag, 15:00–17:00 Uhr" in html
    assert "Stadtteilzentrum an der Wilhelmstraße" in html
    assert "<title>Angebote in Sozialraum Hammer Westen – Quartier</title>" in html
    assert "Anmelden für Mitarbeitende" in html and "csrf" not in html.lower().replace("csrf-token", "")


async def test_public_search_offers_the_known_target_groups_and_finds_none(client, structure):
    response = await client.get("/oeffentlich/angebote")
    assert '<option value="Senior:innen">Senior:innen</option>' in response.text
    assert '<option value="Türkisch">Türkisch</option>' in response.text
    none = await client.get("/oeffentlich/angebote?zielgruppe=Niemand")
    assert "Keine Angebote gefunden." in none.text
    assert_accessible_page(none.text, structure)


async def test_registry_down_gives_503(client, registry):
    registry.down = True
    response = await client.get("/oeffentlich/angebote")
    assert response.status_code == 503


def test_form_values_become_the_registry_json_for_an_address_and_a_monthly_date():
    from starlette.datastructures import FormData

    from quartier_gateway.offers.pages.shared import form_values
    from quartier_gateway.offers.rules import offer_body

    form = FormData(
        [
            *[(k, v) for k, v in FORM.items() if not isinstance(v, list)],
            ("ort_art", "address"),
            ("ort_wohnbereich", "11"),
            ("ort_strasse", "Südstraße 12"),
            ("ort_plz", "59065"),
            ("termin_rhythmus", "monthly"),
            ("wochentage", "wednesday"),
            ("monatstage", "1"),
            ("monatstage", "-1"),
            ("kostenlos", "nein"),
            ("kosten", "3,50 € pro Essen"),
            ("rollstuhl", "unbekannt"),
        ]
    )
    body = offer_body(form_values(form))
    assert body["place"] == {
        "kind": "address",
        "residential_area_number": 11,
        "street": "Südstraße 12",
        "postal_code": "59065",
        "name": None,
    }
    assert body["schedule"]["recurrences"] == [
        {
            "frequency": "monthly",
            "weekdays": ["wednesday"],
            "start_time": "15:00",
            "end_time": "17:00",
            "ordinals": [1, -1],
        }
    ]
    assert body["free_of_charge"] is False and body["cost"] == "3,50 € pro Essen"
    assert body["accessibility"] == {"wheelchair_accessible": None, "notes": None}
    assert body["languages"] == ["Deutsch", "Arabisch"]
