"""OParl and HSDS are served at the gateway's public address, produced by the registry."""


async def test_oparl_and_hsds_pass_through_with_the_public_base(client, settings):
    system = await client.get("/oparl")
    assert system.status_code == 200
    assert system.json() == {"path": "/oparl", "query": "", "base": settings.public_base_url}
    assert system.headers["access-control-allow-origin"] == "*"

    page = await client.get("/oparl/body/hamm/person?page=2&modified_since=2026-01-01T00:00:00Z")
    assert page.json()["path"] == "/oparl/body/hamm/person"
    assert page.json()["query"] == "page=2&modified_since=2026-01-01T00%3A00%3A00Z"

    services = await client.get("/hsds/services", params={"page": "1"})
    assert services.json()["path"] == "/hsds/services"
    assert (await client.get("/hsds")).json()["path"] == "/hsds/"


async def test_open_data_without_the_registry_is_a_german_503(client, registry):
    registry.down = True
    response = await client.get("/oparl")
    assert response.status_code == 503
    assert "nicht erreichbar" in response.json()["detail"]
