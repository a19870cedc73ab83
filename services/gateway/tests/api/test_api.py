"""The JSON API under /api/v1 with a fake registry."""


async def session_token(client) -> str:
    response = await client.get("/api/v1/session")
    assert response.status_code == 200
    return response.json()["csrf_token"]


async def test_public_reads(client):
    areas = (await client.get("/api/v1/social-areas")).json()
    assert len(areas) == 9
    westen = (await client.get("/api/v1/social-areas/westen")).json()
    assert [r["number"] for r in westen["residential_areas"]] == [14, 15, 42, 52]
    assert [d["key"] for d in westen["districts"]] == ["mitte", "pelkum", "herringen"]
    assert westen["community_centre"]["name"] == "Stadtteilzentrum an der Wilhelmstraße"
    districts = {d["key"]: d for d in (await client.get("/api/v1/districts")).json()}
    assert set(districts["mitte"]["social_area_keys"]) == {"mitte", "westen"}


async def test_unknown_area_passes_the_registry_404_through(client):
    response = await client.get("/api/v1/social-areas/atlantis")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Nicht gefunden",
        "status": 404,
        "detail": "Diesen Sozialraum gibt es nicht.",
    }


async def test_invalid_key_gets_german_422(client):
    response = await client.get("/api/v1/social-areas/NICHT%20OK")
    assert response.status_code == 422
    problem = response.json()
    assert problem["status"] == 422 and problem["title"] == "Ungültige Angaben"
    assert problem["errors"] == [{"field": "key", "message": "Die Angabe hat nicht die erwartete Form."}]


async def test_unknown_api_path_is_json_404(client):
    response = await client.get("/api/v1/gibt-es-nicht")
    assert response.status_code == 404 and response.json()["detail"] == "Nicht gefunden."


async def test_registry_down_is_json_503(client, registry):
    registry.down = True
    response = await client.get("/api/v1/social-areas")
    assert response.status_code == 503
    assert response.json()["detail"].startswith("Das Register ist gerade nicht erreichbar.")


async def test_session_endpoint(client, login):
    anonymous = await client.get("/api/v1/session")
    assert anonymous.status_code == 401 and anonymous.json()["detail"] == "Bitte melden Sie sich an."
    assert anonymous.headers["content-type"] == "application/problem+json"
    await login(client, "koordination.westen")
    me = (await client.get("/api/v1/session")).json()
    assert me["username"] == "koordination.westen" and me["role"] == "area_coordinator"
    assert me["social_area_key"] == "westen" and len(me["csrf_token"]) > 20


async def test_writes_need_login(client, registry):
    response = await client.put("/api/v1/social-areas/westen/community-centre", json={"name": "X"})
    assert response.status_code == 401 and response.json()["detail"] == "Bitte melden Sie sich an."
    response = await client.post("/api/v1/residential-areas/42/move", json={"social_area_key": "pelkum"})
    assert response.status_code == 401
    assert not [c for c in registry.calls if c[0] != "GET"]


async def test_writes_need_the_csrf_header(client, login, registry):
    await login(client, "admin")
    response = await client.put("/api/v1/social-areas/westen/community-centre", json={"name": "X"})
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "Die Anfrage konnte nicht bestätigt werden (CSRF). Bitte laden Sie die Seite neu."
    )
    response = await client.put(
        "/api/v1/social-areas/westen/community-centre",
        json={"name": "X"},
        headers={"X-CSRF-Token": "falsch-falsch-falsch"},
    )
    assert response.status_code == 403
    assert not [c for c in registry.calls if c[0] != "GET"]


async def test_writes_need_the_admin_role(client, login):
    await login(client, "lenkungskreis")
    token = await session_token(client)
    response = await client.put(
        "/api/v1/social-areas/westen/community-centre", json={"name": "X"}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 403 and response.json()["detail"] == "Dafür fehlt Ihnen die Berechtigung."


async def test_admin_renames_and_moves(client, login, registry):
    await login(client, "admin")
    token = await session_token(client)
    renamed = await client.put(
        "/api/v1/social-areas/westen/community-centre", json={"name": " Westwerk "}, headers={"X-CSRF-Token": token}
    )
    assert renamed.status_code == 200 and renamed.json()["community_centre"]["name"] == "Westwerk"
    assert registry.calls[-1][3] == "admin", "the acting user is passed to the registry"
    moved = await client.post(
        "/api/v1/residential-areas/42/move", json={"social_area_key": "pelkum"}, headers={"X-CSRF-Token": token}
    )
    assert moved.status_code == 200
    assert moved.json() == {"number": 42, "from_social_area_key": "westen", "to_social_area_key": "pelkum"}


async def test_registry_refusals_are_passed_through(client, login):
    await login(client, "admin")
    token = await session_token(client)
    conflict = await client.put(
        "/api/v1/social-areas/westen/community-centre", json={"name": "Verboten"}, headers={"X-CSRF-Token": token}
    )
    assert conflict.status_code == 409 and conflict.json()["detail"] == "Dieser Name ist schon vergeben."
    assert conflict.json()["title"] == "Konflikt"
    bad_target = await client.post(
        "/api/v1/residential-areas/42/move", json={"social_area_key": "atlantis"}, headers={"X-CSRF-Token": token}
    )
    assert bad_target.status_code == 422 and bad_target.json()["detail"] == "Unbekannter Ziel-Sozialraum."
    missing = await client.post(
        "/api/v1/residential-areas/99/move", json={"social_area_key": "pelkum"}, headers={"X-CSRF-Token": token}
    )
    assert missing.status_code == 404 and missing.json()["detail"] == "Diesen Wohnbereich gibt es nicht."


async def test_openapi_describes_only_the_api(client):
    doc = (await client.get("/api/v1/openapi.json")).json()
    paths = set(doc["paths"])
    assert paths == {
        "/api/v1/social-areas",
        "/api/v1/social-areas/{key}",
        "/api/v1/districts",
        "/api/v1/social-areas/{key}/community-centre",
        "/api/v1/residential-areas/{number}/move",
        "/api/v1/session",
    }
    assert "put" in doc["paths"]["/api/v1/social-areas/{key}/community-centre"]
    assert "SocialArea" in doc["components"]["schemas"]
