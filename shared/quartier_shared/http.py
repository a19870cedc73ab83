"""One way to wire a route and one error format, for every service's HTTP API.

Routes declare what they need with the ``Annotated`` dependencies below (``Ctx``, ``Pool``, ``Actor``,
``IfMatch``) and raise the ``quartier_shared.errors`` family; ``install_problem_handlers`` (called by the
runtime for every service) answers every refusal as RFC 9457 ``application/problem+json``::

    {"type": "about:blank", "title": "Ungültige Angaben", "status": 422,
     "detail": "Das Ende liegt vor dem Beginn.",
     "errors": [{"field": "ends_on", "message": "Das Ende liegt vor dem Beginn."}]}

``title`` and ``detail`` are German; ``errors`` lists the wrong fields (request validation too, in
German); further members (``conflicts``, ``lines``) carry what a client needs to show the refusal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from quartier_shared.context import ServiceContext
from quartier_shared.errors import DomainError, FieldError, InvalidInput, title_of

PROBLEM_MEDIA_TYPE = "application/problem+json"


# ---------------------------------------------------------------- the answer


class ProblemFieldError(BaseModel):
    field: str = Field(description="Das Feld, wie die API es nennt (z. B. `ends_on`, `entries.0.reason`)")
    message: str = Field(description="Was an der Angabe falsch ist (Deutsch)")


class Problem(BaseModel):
    """RFC 9457 problem details, as every Quartier service answers a refusal."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str = Field(description="Kurz, was passiert ist (Deutsch)")
    status: int
    detail: str = Field(description="Was falsch ist und was zu tun ist (Deutsch)")
    errors: list[ProblemFieldError] = Field(default_factory=list, description="Die fehlerhaften Angaben")


def problem_response(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    errors: Sequence[FieldError] = (),
    extensions: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title or title_of(status), "status": status}
    body["detail"] = detail
    if errors:
        body["errors"] = [{"field": e.field, "message": e.message} for e in errors]
    for key, value in (extensions or {}).items():
        if key not in body:
            body[key] = value
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _problem_content() -> dict[str, Any]:
    return {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The problem answers ``statuses`` for OpenAPI (``APIRouter(responses=...)``)."""
    return {
        status: {"model": Problem, "description": title_of(status), "content": _problem_content()}
        for status in statuses
    }


# For ``APIRouter(responses=PROBLEM_RESPONSES)``: documents the problem answers of a router's routes; a
# router that refuses in other ways adds them, e.g. ``{**PROBLEM_RESPONSES, **problem_responses(503)}``.
PROBLEM_RESPONSES = problem_responses(400, 404, 409, 410, 422)


# ---------------------------------------------------------------- request validation in German

_MESSAGES = {
    "missing": "Pflichtangabe fehlt.",
    "date_parsing": "Bitte ein gültiges Datum angeben (JJJJ-MM-TT).",
    "date_from_datetime_parsing": "Bitte ein gültiges Datum angeben (JJJJ-MM-TT).",
    "date_from_datetime_inexact": "Bitte ein Datum ohne Uhrzeit angeben (JJJJ-MM-TT).",
    "date_type": "Bitte ein gültiges Datum angeben (JJJJ-MM-TT).",
    "datetime_parsing": "Bitte einen gültigen Zeitpunkt angeben (JJJJ-MM-TTThh:mm).",
    "datetime_from_date_parsing": "Bitte einen gültigen Zeitpunkt angeben (JJJJ-MM-TTThh:mm).",
    "datetime_type": "Bitte einen gültigen Zeitpunkt angeben (JJJJ-MM-TTThh:mm).",
    "time_parsing": "Bitte eine gültige Uhrzeit angeben (hh:mm).",
    "time_type": "Bitte eine gültige Uhrzeit angeben (hh:mm).",
    "uuid_parsing": "Keine gültige Kennung (UUID).",
    "uuid_type": "Keine gültige Kennung (UUID).",
    "int_parsing": "Bitte eine ganze Zahl angeben.",
    "int_type": "Bitte eine ganze Zahl angeben.",
    "int_from_float": "Bitte eine ganze Zahl angeben.",
    "float_parsing": "Bitte eine Zahl angeben.",
    "float_type": "Bitte eine Zahl angeben.",
    "decimal_parsing": "Bitte eine Zahl angeben.",
    "bool_parsing": "Bitte ja oder nein angeben (true/false).",
    "bool_type": "Bitte ja oder nein angeben (true/false).",
    "string_type": "Bitte einen Text angeben.",
    "list_type": "Erwartet wird eine Liste.",
    "model_attributes_type": "Erwartet wird ein Objekt.",
    "model_type": "Erwartet wird ein Objekt.",
    "dict_type": "Erwartet wird ein Objekt.",
    "json_invalid": "Die Anfrage ist kein gültiges JSON.",
    "json_type": "Die Anfrage ist kein gültiges JSON.",
    "extra_forbidden": "Diese Angabe ist hier nicht vorgesehen.",
    "url_parsing": "Bitte eine gültige Adresse (URL) angeben.",
    "url_scheme": "Bitte eine Adresse mit http:// oder https:// angeben.",
    "value_error": "Ungültige Angabe.",
    "assertion_error": "Ungültige Angabe.",
}


def german_message(error: dict[str, Any]) -> str:
    """One pydantic error in German (the field is named separately)."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "string_too_long":
        return f"Zu lang (höchstens {ctx.get('max_length')} Zeichen)."
    if kind == "string_too_short":
        minimum = ctx.get("min_length")
        return "Pflichtangabe fehlt." if minimum == 1 else f"Zu kurz (mindestens {minimum} Zeichen)."
    if kind == "too_long":
        return f"Zu viele Einträge (höchstens {ctx.get('max_length')})."
    if kind == "too_short":
        return f"Zu wenige Einträge (mindestens {ctx.get('min_length')})."
    if kind == "string_pattern_mismatch":
        return "Die Angabe hat nicht die erwartete Form."
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        words = {
            "greater_than": "größer als",
            "greater_than_equal": "mindestens",
            "less_than": "kleiner als",
            "less_than_equal": "höchstens",
        }
        bound = next(iter(ctx.values()), "")
        return f"Der Wert muss {words[kind]} {bound} sein."
    if kind in ("literal_error", "enum"):
        expected = ctx.get("expected")
        return f"Unbekannter Wert; erlaubt: {expected}." if expected else "Unbekannter Wert."
    if kind == "value_error":
        # A validator of ours raised ValueError with a German message: pydantic prefixes it.
        message = str(error.get("msg", "")).removeprefix("Value error, ").strip()
        return message or _MESSAGES[kind]
    return _MESSAGES.get(kind, "Ungültige Angabe.")


def field_name(loc: Sequence[Any]) -> str:
    """``("body", "entries", 0, "reason")`` → ``entries.0.reason``; ``("query", "year")`` → ``year``."""
    parts = [str(part) for part in loc]
    if len(parts) > 1 and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts)


def validation_field_errors(errors: Sequence[Any]) -> list[FieldError]:
    # A body that is no JSON at all has a character position as its location, not a field.
    return [
        FieldError("" if e.get("type") == "json_invalid" else field_name(e.get("loc", ())), german_message(e))
        for e in errors
    ]


def validation_detail(errors: Sequence[FieldError]) -> str:
    if not errors:
        return "Die Angaben sind ungültig."
    return " ".join(f"Feld „{e.field}“: {e.message}" if e.field else e.message for e in errors)


# ---------------------------------------------------------------- the handlers


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem_response(
        exc.status,
        exc.message,
        title=exc.title,
        errors=exc.field_errors(),
        extensions=exc.extensions,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = validation_field_errors(exc.errors())
    return problem_response(422, validation_detail(errors), errors=errors)


_HTTP_DETAILS = {
    404: "Diese Adresse gibt es nicht.",
    405: "Diese Methode ist hier nicht erlaubt.",
}


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail else None
    if detail is None or detail in ("Not Found", "Method Not Allowed"):
        detail = _HTTP_DETAILS.get(exc.status_code, title_of(exc.status_code) + ".")
    return problem_response(exc.status_code, detail, headers=dict(exc.headers) if exc.headers else None)


def install_problem_handlers(app: FastAPI) -> None:
    """Every refusal of ``app`` as problem+json; the ``Problem`` schema in its OpenAPI document."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    _document_problems(app)


def _document_problems(app: FastAPI) -> None:
    """Replaces FastAPI's ``HTTPValidationError`` 422 with the problem answer, and adds ``Problem``."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = original()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(components["Problem"].pop("$defs", {}))
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                responses = operation.get("responses", {}) if isinstance(operation, dict) else {}
                if "422" in responses:
                    # A route's own description of its 422 stays; FastAPI's English default does not.
                    description = responses["422"].get("description")
                    if description in (None, "Validation Error"):
                        description = title_of(422)
                    responses["422"] = {"description": description, "content": _problem_content()}
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


# ---------------------------------------------------------------- dependencies of a route


def context(request: Request) -> ServiceContext:
    ctx: ServiceContext = request.app.state.ctx
    return ctx


def pool(request: Request) -> asyncpg.Pool:
    return context(request).pool


def actor(x_quartier_actor: Annotated[str | None, Header(max_length=200)] = None) -> str:
    """Who acts (kept in histories and audit); the gateway sets it for the signed-in user."""
    return x_quartier_actor or "api"


def if_match_version(if_match: Annotated[str | None, Header()] = None) -> int | None:
    """``If-Match: 3``, ``"3"`` or ``W/"3"`` → 3; absent or ``*`` → None (no check)."""
    if if_match is None or not if_match.strip() or if_match.strip() == "*":
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    try:
        return int(text)
    except ValueError:
        raise InvalidInput("If-Match", "Erwartet wird die Versionsnummer (z. B. 3).") from None


Ctx = Annotated[ServiceContext, Depends(context)]
Pool = Annotated[asyncpg.Pool, Depends(pool)]
Actor = Annotated[str, Depends(actor)]
IfMatch = Annotated[int | None, Depends(if_match_version)]
