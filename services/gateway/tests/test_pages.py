"""The HTML pages through the whole ASGI stack (middleware, templates, error handlers), with a fake registry."""

import re

import pytest

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


def assert_accessible_page(html: str, structure) -> None:
    page = structure(html)
    assert page.count("h1") == 1, "exactly one h1 per page"
    html_tag = page.find("html")[0]
    assert html_tag.get("lang") == "de"
    assert page.count("title") == 1
    for landmark in ("header", "nav", "main", "footer"):
        assert page.count(landmark) >= 1, f"landmark {landmark} missing"
    skip = [a for a in page.find("a") if a.get("href") == "#inhalt"]
    assert skip, "skip link missing"
    assert any(m.get("id") == "inhalt" for m in page.find("main"))
    labels = {lab.get("for") for lab in page.find("label")}
    ids = page.ids()
    for field in page.find("input"):
        if field.get("type") == "hidden":
            continue
        assert field.get("id") in labels, f"input {field.get('id')} has no label"
        for ref in (field.get("aria-describedby") or "").split():
            assert ref in ids, f"aria-describedby points to missing id {ref}"
    assert "<script>" not in html and " style=" not in html, "no inline script or style (CSP)"


def title_of(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1)


@pytest.mark.parametrize("path", ["/", "/anmelden", "/oeffentlich/sozialraeume", "/oeffentlich/sozialraeume/westen"])
async def test_public_pages_render_accessibly_without_login(client, structure, path):
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert_accessible_page(response.text, structure)


async def test_every_response_carries_security_headers(client):
    for path in (
        "/",
        "/anmelden",
        "/gibt-es-nicht",
        "/api/v1/social-areas",
        "/static/app/quartier.css",
        "/api/v1/openapi.json",
    ):
        response = await client.get(path)
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value, (path, name)
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp


async def test_staff_pages_redirect_to_login(client):
    response = await client.get("/sozialraeume/westen")
    assert response.status_code == 303
    assert response.headers["location"] == "/anmelden?weiter=/sozialraeume/westen"


async def test_login_page_keeps_the_target_and_sets_a_csrf_cookie(client, structure):
    response = await client.get("/anmelden?weiter=/sozialraeume/westen")
    assert 'name="weiter" value="/sozialraeume/westen"' in response.text
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("quartier_csrf=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert title_of(response.text) == "Anmelden – Quartier"


async def test_login_then_staff_pages(client, structure, login):
    response = await login(client, "koordination.westen")
    assert response.status_code == 303 and response.headers["location"] == "/sozialraeume"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("quartier_session=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie

    listing = await client.get("/sozialraeume")
    assert listing.status_code == 200
    assert_accessible_page(listing.text, structure)
    assert listing.text.count('href="/sozialraeume/') == 9
    assert "Stadtteilzentrum an der Wilhelmstraße" in listing.text
    assert "Hamm-Mitte, Hamm-Pelkum, Hamm-Herringen" in listing.text
    assert "Ihr Bereich" in listing.text

    westen = await client.get("/sozialraeume/westen")
    assert westen.status_code == 200
    assert_accessible_page(westen.text, structure)
    for number in (14, 15, 42, 52):
        assert f">{number}</td>" in westen.text
    for district in ("Hamm-Mitte", "Hamm-Pelkum", "Hamm-Herringen"):
        assert district in westen.text
    assert "Daberg &amp; Lohausenholz" in westen.text
    assert "Neuer Name des Stadtteilzentrums" not in westen.text, "only admins see the rename form"
    assert title_of(westen.text) == "Sozialraum Hammer Westen – Quartier"


async def test_login_follows_safe_target_only(client, csrf):
    page = await client.get("/anmelden")
    response = await client.post(
        "/anmelden",
        data={
            "benutzername": "admin",
            "passwort": "admin-passwort-1",
            "csrf_token": csrf(page.text),
            "weiter": "https://evil.example/",
        },
    )
    assert response.headers["location"] == "/sozialraeume"


async def test_cookie_is_secure_when_configured(registry, store, settings, csrf):
    import httpx

    from quartier_gateway.app import Transports, build_app

    settings.cookie_secure = True
    app = build_app(settings, transports=Transports(registry=httpx.MockTransport(registry.handler)), auth_store=store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://gateway.test") as c:
        page = await c.get("/anmelden")
        assert "Secure" in page.headers["set-cookie"]
        response = await c.post(
            "/anmelden", data={"benutzername": "admin", "passwort": "admin-passwort-1", "csrf_token": csrf(page.text)}
        )
        assert "Secure" in response.headers["set-cookie"]


async def test_wrong_password_gives_german_error_401(client, structure, login):
    response = await login(client, "admin", "falsch")
    assert response.status_code == 401
    assert "Benutzername oder Passwort ist falsch." in response.text
    assert_accessible_page(response.text, structure)
    page = structure(response.text)
    pw = next(i for i in page.find("input") if i.get("id") == "passwort")
    assert pw.get("aria-invalid") == "true" and "anmeldung-fehler" in pw.get("aria-describedby")
    assert 'value="admin"' in response.text, "the username is kept"
    unknown = await login(client, "niemand", "falsch")
    assert unknown.status_code == 401 and "Benutzername oder Passwort ist falsch." in unknown.text


async def test_empty_fields_get_their_own_errors(client, structure, csrf):
    page = await client.get("/anmelden")
    response = await client.post("/anmelden", data={"benutzername": "", "passwort": "", "csrf_token": csrf(page.text)})
    assert response.status_code == 400
    assert "Bitte geben Sie Ihren Benutzernamen ein." in response.text
    parsed = structure(response.text)
    user = next(i for i in parsed.find("input") if i.get("id") == "benutzername")
    assert user.get("aria-describedby") == "benutzername-fehler" and user.get("aria-invalid") == "true"
    assert_accessible_page(response.text, structure)


async def test_login_is_throttled(client, login):
    for _ in range(2):
        assert (await login(client, "admin", "falsch")).status_code == 401
    assert (await login(client, "admin", "falsch")).status_code == 429, "the failure that reaches the limit"
    locked = await login(client, "admin")
    assert locked.status_code == 429
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in locked.text


async def test_login_without_csrf_token_is_refused(client):
    await client.get("/anmelden")
    response = await client.post("/anmelden", data={"benutzername": "admin", "passwort": "admin-passwort-1"})
    assert response.status_code == 403
    assert "Die Anfrage konnte nicht bestätigt werden (CSRF). Bitte laden Sie die Seite neu." in response.text
    forged = await client.post(
        "/anmelden",
        data={"benutzername": "admin", "passwort": "admin-passwort-1", "csrf_token": "erfunden-erfunden-erfunden"},
    )
    assert forged.status_code == 403


async def test_logout_needs_csrf_and_ends_the_session(client, login, csrf):
    await login(client, "admin")
    page = await client.get("/sozialraeume")
    refused = await client.post("/abmelden")
    assert refused.status_code == 403
    assert (await client.get("/sozialraeume")).status_code == 200, "session survives a forged logout"
    response = await client.post("/abmelden", data={"csrf_token": csrf(page.text)})
    assert response.status_code == 303 and response.headers["location"] == "/?abgemeldet=1"
    assert 'quartier_session=""' in response.headers["set-cookie"] or "Max-Age=0" in response.headers["set-cookie"]
    assert (await client.get("/sozialraeume")).status_code == 303
    start = await client.get("/?abgemeldet=1")
    assert "Sie sind abgemeldet." in start.text


async def test_stale_cookie_logout_just_clears_it(client):
    client.cookies.set("quartier_session", "abgelaufen")
    response = await client.post("/abmelden")
    assert response.status_code == 303


async def test_admin_renames_the_community_centre(client, registry, login, csrf, structure):
    await login(client, "admin")
    page = await client.get("/sozialraeume/westen")
    assert "Neuer Name des Stadtteilzentrums" in page.text
    assert_accessible_page(page.text, structure)

    refused = await client.post("/sozialraeume/westen/stadtteilzentrum", data={"name": "Neu"})
    assert refused.status_code == 403

    response = await client.post(
        "/sozialraeume/westen/stadtteilzentrum", data={"name": "  Zentrum   Westen ", "csrf_token": csrf(page.text)}
    )
    assert response.status_code == 303
    assert registry.calls[-1] == (
        "PUT",
        "/api/v1/social-areas/westen/community-centre",
        {"name": "Zentrum Westen"},
        "admin",
    )
    after = await client.get(response.headers["location"])
    assert "Der neue Name des Stadtteilzentrums ist gespeichert." in after.text
    assert "Zentrum Westen" in after.text


async def test_rename_errors_are_tied_to_the_field(client, login, csrf, structure):
    await login(client, "admin")
    token = csrf((await client.get("/sozialraeume/westen")).text)
    empty = await client.post("/sozialraeume/westen/stadtteilzentrum", data={"name": "  ", "csrf_token": token})
    assert empty.status_code == 422
    assert "Bitte geben Sie einen Namen für das Stadtteilzentrum ein." in empty.text
    field = next(i for i in structure(empty.text).find("input") if i.get("id") == "name")
    assert "name-fehler" in field.get("aria-describedby") and field.get("aria-invalid") == "true"
    assert_accessible_page(empty.text, structure)

    conflict = await client.post(
        "/sozialraeume/westen/stadtteilzentrum", data={"name": "Verboten", "csrf_token": token}
    )
    assert conflict.status_code == 409
    assert "Dieser Name ist schon vergeben." in conflict.text


async def test_rename_via_htmx_returns_the_fragment(client, login, csrf):
    await login(client, "admin")
    token = csrf((await client.get("/sozialraeume/westen")).text)
    response = await client.post(
        "/sozialraeume/westen/stadtteilzentrum",
        data={"name": "Westen-Treff"},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="stadtteilzentrum"')
    assert "Westen-Treff" in response.text and "gespeichert" in response.text


async def test_non_admin_may_not_rename(client, login, csrf):
    await login(client, "koordination.westen")
    token = csrf((await client.get("/sozialraeume")).text)
    response = await client.post("/sozialraeume/westen/stadtteilzentrum", data={"name": "X", "csrf_token": token})
    assert response.status_code == 403
    assert "Dafür fehlt Ihnen die Berechtigung." in response.text


async def test_unknown_pages_are_german_404(client, structure, login):
    response = await client.get("/gibt-es-nicht")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.text
    assert_accessible_page(response.text, structure)
    public = await client.get("/oeffentlich/sozialraeume/atlantis")
    assert public.status_code == 404 and "Seite nicht gefunden" in public.text
    await login(client, "admin")
    staff = await client.get("/sozialraeume/atlantis")
    assert staff.status_code == 404


async def test_registry_down_gives_german_503_page(client, registry, structure, login):
    registry.down = True
    response = await client.get("/oeffentlich/sozialraeume")
    assert response.status_code == 503
    assert (
        "Das Register ist gerade nicht erreichbar. Bitte versuchen Sie es in einigen Minuten erneut." in response.text
    )
    assert "Traceback" not in response.text
    assert_accessible_page(response.text, structure)
    await login(client, "admin")
    assert (await client.get("/sozialraeume/westen")).status_code == 503


async def test_public_pages_show_no_staff_data(client, login):
    await login(client, "admin")
    response = await client.get("/oeffentlich/sozialraeume/westen")
    assert "Neuer Name des Stadtteilzentrums" not in response.text
    for number in ("14", "15", "42", "52"):
        assert f"Wohnbereich {number}," in response.text


async def test_static_assets_are_served_locally(client):
    css = await client.get("/static/kern/kern.min.css")
    assert css.status_code == 200 and ".kern-btn" in css.text
    assert (await client.get("/static/htmx/htmx.min.js")).status_code == 200
    assert (await client.get("/static/kern/fonts/fira-sans.css")).status_code == 200
    assert (await client.get("/static/app/quartier.js")).status_code == 200


async def test_anonymous_forms_use_the_double_submit_cookie(client, csrf):
    refused = await client.post("/sozialraeume/westen/stadtteilzentrum", data={"name": "X"})
    assert refused.status_code == 403
    token = csrf((await client.get("/anmelden")).text)
    passed = await client.post("/sozialraeume/westen/stadtteilzentrum", data={"name": "X", "csrf_token": token})
    assert passed.status_code == 303, "the token is fine; the route then asks for a login"
    assert passed.headers["location"].startswith("/anmelden?weiter=")


async def test_unexpected_errors_give_a_german_page_without_details(registry, store, settings, structure):
    import httpx

    from quartier_gateway.app import Transports, build_app

    app = build_app(settings, transports=Transports(registry=httpx.MockTransport(registry.handler)), auth_store=store)

    async def broken() -> None:
        raise RuntimeError("geheimes Innenleben")

    app.state.gateway.registry.social_areas = broken
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
        response = await c.get("/oeffentlich/sozialraeume")
        api = await c.get("/api/v1/social-areas")
    assert response.status_code == 500
    assert "Es ist ein Fehler aufgetreten" in response.text
    assert "geheimes Innenleben" not in response.text and "Traceback" not in response.text
    assert response.headers["x-frame-options"] == "DENY"
    assert_accessible_page(response.text, structure)
    assert api.status_code == 500 and "geheimes" not in api.text
