"""The official HSDS 3.0 and OParl 1.1 JSON schemas, read offline from ``../shared/reference``.

The schemas lie next to the repository, never fetched from the network: their ``$ref``s (relative ones,
the HSDS openapi document's absolute ones, OParl's own ``"schema": "X.json"`` keyword) resolve through a
local ``referencing`` registry. A clone without ``../shared`` skips the conformance tests and says why
(``needs_hsds_schemas``, ``needs_oparl_schemas``).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft7Validator, Draft202012Validator, FormatChecker, ValidationError, validators
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7, DRAFT202012

from quartier_registry.domain import oparl

ROOT = Path(os.environ.get("QUARTIER_ROOT") or Path(__file__).resolve().parents[2])
REFERENCE = ROOT.parent / "shared" / "reference"

# ---------------------------------------------------------------- HSDS 3.0

HSDS_DIR = REFERENCE / "hsds" / "3.0"
HSDS_SCHEMA_BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
HSDS_COMPILED = (
    "service",
    "organization",
    "service_at_location",
    "service_list",
    "organization_list",
    "service_at_location_list",
)

needs_hsds_schemas = pytest.mark.skipif(
    not (HSDS_DIR / "schema").is_dir(),
    reason=f"HSDS 3.0 reference schemas not found at {HSDS_DIR} (clone without ../shared)",
)

HSDS_FORMATS = FormatChecker()


@HSDS_FORMATS.checks("date-time", raises=ValueError)
def _hsds_date_time(value: object) -> bool:
    return not isinstance(value, str) or dt.datetime.fromisoformat(value).tzinfo is not None


@HSDS_FORMATS.checks("uri", raises=ValueError)
def _hsds_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme in ("http", "https") and parts.netloc)


@cache
def _hsds_registry() -> Registry:
    def resource(path: Path) -> Resource:
        return Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT202012)

    schema = HSDS_DIR / "schema"
    resources = [(HSDS_SCHEMA_BASE + p.name, resource(p)) for p in schema.glob("*.json")]
    resources += [
        (f"{HSDS_SCHEMA_BASE}compiled/{n}.json", resource(schema / "compiled" / f"{n}.json")) for n in HSDS_COMPILED
    ]
    return Registry().with_resources(resources)


@cache
def _hsds_schema_text(path: str) -> str:
    doc = json.loads((HSDS_DIR / "openapi" / "openapi.json").read_text())
    schema = copy.deepcopy(doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"])
    page = doc["components"]["schemas"]["Page"]
    return json.dumps(schema).replace('{"$ref": "#/components/schemas/Page"}', json.dumps(page))


def hsds_response_schema(path: str) -> dict[str, Any]:
    """The 200 response schema the standard's openapi.json gives for ``path``, with ``Page`` inlined."""
    schema: dict[str, Any] = json.loads(_hsds_schema_text(path))
    return schema


def hsds_object_schema(name: str) -> dict[str, Any]:
    """A per-object schema (``schema/<name>.json``), its relative $refs resolved by the registry."""
    return {"$ref": HSDS_SCHEMA_BASE + f"{name}.json"}


def hsds_compiled_schema(name: str) -> dict[str, Any]:
    """A compiled schema (``schema/compiled/<name>.json``)."""
    return {"$ref": HSDS_SCHEMA_BASE + f"compiled/{name}.json"}


def hsds_validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema, registry=_hsds_registry(), format_checker=HSDS_FORMATS)


def hsds_errors(instance: Any, schema: dict[str, Any]) -> list[str]:
    """Everything wrong with ``instance`` against ``schema``, one line each."""
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in hsds_validator(schema).iter_errors(instance)]


def assert_hsds_valid(instance: Any, schema: dict[str, Any]) -> None:
    found = hsds_errors(instance, schema)
    assert not found, "\n".join(found[:20])


# ---------------------------------------------------------------- OParl 1.1

OPARL_SCHEMAS = REFERENCE / "oparl" / "schema" / "v1.1.1"

needs_oparl_schemas = pytest.mark.skipif(
    not OPARL_SCHEMAS.is_dir(),
    reason=f"OParl 1.1 schemas not found at {OPARL_SCHEMAS} (a clone without ../shared): conformance not checked",
)

OParlCheck = Callable[[str, dict[str, Any]], None]

_OPARL_FORMATS = FormatChecker(formats=())


@_OPARL_FORMATS.checks("url")
def _oparl_url(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value


@_OPARL_FORMATS.checks("date-time")
def _oparl_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return "T" in value and parsed.tzinfo is not None


@_OPARL_FORMATS.checks("date")
def _oparl_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _schema_keyword(validator: Any, value: str, instance: object, schema: dict[str, Any]) -> Iterator[ValidationError]:
    """OParl's ``"schema": "X.json"``: an embedded object must validate against X.json."""
    if isinstance(instance, dict):
        yield from validator.descend(instance, {"$ref": value})


_OParlValidator = validators.extend(Draft7Validator, {"schema": _schema_keyword})


def oparl_validator() -> OParlCheck:
    """``check("Person", obj)`` raises ValidationError listing everything wrong."""
    resources = [
        (path.name, Resource.from_contents(json.loads(path.read_text(encoding="utf-8")), default_specification=DRAFT7))
        for path in sorted(OPARL_SCHEMAS.glob("*.json"))
    ]
    registry: Registry[Any] = Registry().with_resources(resources)

    def check(type_name: str, obj: dict[str, Any]) -> None:
        validator = _OParlValidator({"$ref": f"{type_name}.json"}, registry=registry, format_checker=_OPARL_FORMATS)
        errors = sorted(validator.iter_errors(obj), key=lambda e: list(e.absolute_path))
        if errors:
            details = "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
            raise ValidationError(f"{type_name} {obj.get('id')}: {details}")
        assert obj["type"] == oparl.type_url(type_name)

    return check


def check_oparl_list(check: OParlCheck, type_name: str, page: dict[str, Any]) -> None:
    """An OParl external list: ``data`` of valid objects, ``pagination`` and ``links``."""
    assert set(page) >= {"data", "pagination", "links"}, page.keys()
    pagination = page["pagination"]
    assert set(pagination) == {"totalElements", "elementsPerPage", "currentPage", "totalPages"}
    assert all(isinstance(v, int) and v >= 0 for v in pagination.values())
    assert len(page["data"]) <= pagination["elementsPerPage"]
    assert {"first", "last", "self"} <= set(page["links"]) <= {"first", "prev", "next", "last", "self"}
    for item in page["data"]:
        check(type_name, item)
