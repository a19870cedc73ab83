"""Every refusal of a service answers as RFC 9457 problem+json, in German, and OpenAPI says so.

Pure tests: small apps over ``install_problem_handlers`` (and over ``create_app`` without starting its
lifespan), no database, no broker.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Query
from pydantic import BaseModel, Field

from quartier_shared import errors
from quartier_shared.errors import DomainError, FieldError
from quartier_shared.http import (
    PROBLEM_MEDIA_TYPE,
    PROBLEM_RESPONSES,
    Actor,
    IfMatch,
    install_problem_handlers,
)
from quartier_shared.runtime import ServiceSpec, create_app


class PlanError(errors.DomainError):
    """A service's own family, as the services declare theirs."""


class PlanNotFound(PlanError, errors.NotFound):
    pass


class Measure(BaseModel):
    title: str = Field(max_length=10)
    starts_on: dt.date


def _router() -> APIRouter:
    router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)

    @router.get("/refuse/{kind}")
    async def refuse(kind: str) -> None:
        kinds: dict[str, type[DomainError]] = {
            "invalid": errors.InvalidInput,
            "bad": errors.BadRequest,
            "forbidden": errors.Forbidden,
            "missing": errors.NotFound,
            "conflict": errors.Conflict,
            "order": errors.OutOfOrder,
            "gone": errors.Gone,
            "unavailable": errors.Unavailable,
            "plan": PlanNotFound,
        }
        raise kinds[kind]("ends_on", "Das Ende liegt vor dem Beginn.")

    @router.get("/clash")
    async def clash() -> None:
        raise errors.Conflict("starts_at", "Am selben Abend tagt der Rat.", extensions={"conflicts": [{"id": 1}]})

    @router.get("/lines")
    async def lines() -> None:
        raise errors.InvalidInput(
            "",
            "Zeile 5: Wohnbereich „99“ ist nicht bekannt.",
            extensions={"lines": [{"line": 5, "message": "Wohnbereich „99“ ist nicht bekannt."}]},
        )

    @router.get("/several")
    async def several() -> None:
        raise errors.InvalidInput(
            "title",
            "Zwei Angaben fehlen.",
            errors=[FieldError("title", "Pflichtangabe fehlt."), FieldError("ends_on", "Pflichtangabe fehlt.")],
        )

    @router.post("/measures")
    async def add_measure(body: Measure, year: Annotated[int, Query()], actor: Actor) -> dict[str, Any]:
        return {"title": body.title, "year": year, "actor": actor}

    @router.put("/versioned")
    async def versioned(if_match: IfMatch) -> dict[str, Any]:
        return {"version": if_match}

    return router


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(_router())
    return app


def _client(app: FastAPI) -> httpx.AsyncClient:
    """Requests straight into the app; its lifespan (database, broker) is never started."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://quartier.test")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with _client(_app()) as c:
        yield c


@pytest.mark.parametrize(
    ("kind", "status", "title"),
    [
        ("invalid", 422, "Ungültige Angaben"),
        ("bad", 400, "Fehlerhafte Anfrage"),
        ("forbidden", 403, "Nicht erlaubt"),
        ("missing", 404, "Nicht gefunden"),
        ("conflict", 409, "Konflikt"),
        ("order", 409, "Schritt nicht möglich"),
        ("gone", 410, "Nicht mehr vorhanden"),
        ("unavailable", 503, "Vorübergehend nicht verfügbar"),
        ("plan", 404, "Nicht gefunden"),
    ],
)
async def test_a_domain_error_answers_with_its_status_as_a_problem(
    client: httpx.AsyncClient, kind: str, status: int, title: str
) -> None:
    response = await client.get(f"/api/v1/refuse/{kind}")
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json() == {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": "Das Ende liegt vor dem Beginn.",
        "errors": [{"field": "ends_on", "message": "Das Ende liegt vor dem Beginn."}],
    }


async def test_extensions_and_several_field_errors_are_members_of_the_problem(client: httpx.AsyncClient) -> None:
    clash = (await client.get("/api/v1/clash")).json()
    assert (clash["status"], clash["conflicts"]) == (409, [{"id": 1}])
    assert clash["errors"] == [{"field": "starts_at", "message": "Am selben Abend tagt der Rat."}]
    lines = (await client.get("/api/v1/lines")).json()
    assert lines["lines"] == [{"line": 5, "message": "Wohnbereich „99“ ist nicht bekannt."}]
    assert "errors" not in lines, "a refusal without a field names none"
    several = (await client.get("/api/v1/several")).json()
    assert [e["field"] for e in several["errors"]] == ["title", "ends_on"]


async def test_a_request_validation_error_is_a_422_in_german_naming_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/measures", params={"year": "zwanzig"}, json={"title": "x" * 11, "starts_on": "31.12.2026"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    problem = response.json()
    assert problem["title"] == "Ungültige Angaben"
    assert {e["field"]: e["message"] for e in problem["errors"]} == {
        "year": "Bitte eine ganze Zahl angeben.",
        "title": "Zu lang (höchstens 10 Zeichen).",
        "starts_on": "Bitte ein gültiges Datum angeben (JJJJ-MM-TT).",
    }
    assert "Feld „starts_on“: Bitte ein gültiges Datum angeben (JJJJ-MM-TT)." in problem["detail"]
    missing = (await client.post("/api/v1/measures", params={"year": 2026}, json={"title": "Boule"})).json()
    assert missing["errors"] == [{"field": "starts_on", "message": "Pflichtangabe fehlt."}]
    broken = await client.post(
        "/api/v1/measures", params={"year": 2026}, content=b"{", headers={"content-type": "application/json"}
    )
    assert broken.status_code == 422 and broken.json()["detail"] == "Die Anfrage ist kein gültiges JSON."


async def test_an_unknown_address_and_method_are_problems_too(client: httpx.AsyncClient) -> None:
    unknown = await client.get("/api/v1/nirgends")
    assert (unknown.status_code, unknown.headers["content-type"]) == (404, PROBLEM_MEDIA_TYPE)
    assert unknown.json()["detail"] == "Diese Adresse gibt es nicht."
    wrong = await client.delete("/api/v1/clash")
    assert (wrong.status_code, wrong.json()["title"]) == (405, "Methode nicht erlaubt")


async def test_actor_and_if_match_are_read_once_for_every_route(client: httpx.AsyncClient) -> None:
    body = {"title": "Boule", "starts_on": "2026-05-01"}
    assert (await client.post("/api/v1/measures", params={"year": 2026}, json=body)).json()["actor"] == "api"
    named = await client.post("/api/v1/measures", params={"year": 2026}, json=body, headers={"X-Quartier-Actor": "kim"})
    assert named.json()["actor"] == "kim"
    for header, version in (("3", 3), ('"3"', 3), ('W/"3"', 3), ("*", None)):
        assert (await client.put("/api/v1/versioned", headers={"If-Match": header})).json() == {"version": version}
    assert (await client.put("/api/v1/versioned")).json() == {"version": None}
    refused = await client.put("/api/v1/versioned", headers={"If-Match": "drei"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "If-Match"


def _problem_ref(response: dict[str, Any]) -> str:
    return str(response["content"][PROBLEM_MEDIA_TYPE]["schema"]["$ref"])


def test_openapi_documents_the_problem_and_no_http_validation_error() -> None:
    doc = _app().openapi()
    schemas = doc["components"]["schemas"]
    assert "Problem" in schemas and "ProblemFieldError" in schemas
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    operation = doc["paths"]["/api/v1/measures"]["post"]
    for status in ("400", "404", "409", "410", "422"):
        assert _problem_ref(operation["responses"][status]) == "#/components/schemas/Problem"
    assert "HTTPValidationError" not in str(doc)


async def test_create_app_answers_problems_without_being_started() -> None:
    """The runtime installs the handlers for every service: a refusal needs no database to be answered."""
    spec = ServiceSpec(name="probe", title="Probe", migrations=Path("."), routers=[_router()])
    async with _client(create_app(spec)) as with_runtime:
        response = await with_runtime.get("/api/v1/refuse/gone")
        assert (response.status_code, response.headers["content-type"]) == (410, PROBLEM_MEDIA_TYPE)
        assert (await with_runtime.get("/health")).json()["status"] == "ok"


def _service_apps() -> list[tuple[str, FastAPI]]:
    from quartier_invitations.app import create as invitations
    from quartier_planning.app import create as planning
    from quartier_registry.app import create as registry
    from quartier_reporting.app import create as reporting

    return [
        ("planning", planning()),
        ("registry", registry()),
        ("invitations", invitations()),
        ("reporting", reporting()),
    ]


@pytest.mark.parametrize(("name", "app"), _service_apps(), ids=lambda v: v if isinstance(v, str) else "")
def test_each_service_documents_its_problem_answers(name: str, app: FastAPI) -> None:
    doc = app.openapi()
    assert "Problem" in doc["components"]["schemas"], name
    assert "HTTPValidationError" not in doc["components"]["schemas"], name
    operations = [op for path in doc["paths"].values() for op in path.values()]
    assert operations, name
    for operation in operations:
        responses = operation["responses"]
        assert _problem_ref(responses["404"]) == "#/components/schemas/Problem", (name, operation["summary"])
        if "422" in responses:
            assert _problem_ref(responses["422"]) == "#/components/schemas/Problem"
