"""A broken territory file stops the registry with a clear message and leaves the database unchanged;
another city starts the platform by pointing a setting at its own file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from tests.support.city import get_once_up, registry_of_another_city
from tests.support.stack import ROOT, Stack

HAMM = ROOT / "services" / "registry" / "data" / "hamm.yaml"
TABLES = ("districts", "social_areas", "residential_areas", "vocabularies", "territory_loads", "outbox")


async def _snapshot(conn: asyncpg.Connection) -> dict[str, list]:
    return {t: [tuple(r) for r in await conn.fetch(f"SELECT * FROM {t} ORDER BY 1")] for t in TABLES}


def _run_registry(stack: Stack, territory_file: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = stack.service_env("registry", 0, {"QUARTIER_TERRITORY_FILE": str(territory_file), **extra})
    return subprocess.run(
        [sys.executable, "-m", "quartier_registry"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _hamm_with(old: str, new: str) -> str:
    text = HAMM.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


BROKEN = {
    "unknown district": (
        _hamm_with("42: [Daberg & Lohausenholz, pelkum]", "42: [Daberg & Lohausenholz, atlantis]"),
        "Eintrag wohnbereiche.42: Stadtbezirk „atlantis“ ist unbekannt.",
    ),
    "residential area in two social areas": (
        _hamm_with("wohnbereiche: [41, 43]", "wohnbereiche: [41, 42, 43]"),
        "Eintrag sozialraeume.pelkum: Wohnbereich 42 gehört schon zum Sozialraum „westen“",
    ),
    "duplicate number": (
        _hamm_with("  52: [Westenheide, herringen]\n", "  52: [Westenheide, herringen]\n  52: [Westenheide, pelkum]\n"),
        "Schlüssel 52 ist doppelt",
    ),
    "bad yaml": (
        _hamm_with("  - {key: uentrop,      name: Hamm-Uentrop}", "  - {key: uentrop,      name: Hamm-Uentrop"),
        "ungültiges YAML",
    ),
    "removes a registered residential area": (
        _hamm_with("wohnbereiche: [71, 73, 74]", "wohnbereiche: [71, 73]").replace(
            "  74: [Gartenstadt & Dasbeck, heessen]\n", ""
        ),
        "Eintrag wohnbereiche.74: Registrierter Wohnbereich kann nicht entfernt werden.",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
async def test_a_broken_territory_file_stops_the_registry_and_changes_nothing(
    case: str, stack: Stack, registry_db: asyncpg.Connection, tmp_path: Path
) -> None:
    text, expected = BROKEN[case]
    path = tmp_path / "gebiet.yaml"
    path.write_text(text, encoding="utf-8")
    before = await _snapshot(registry_db)

    result = _run_registry(stack, path)

    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert f"registry: Start abgebrochen: Gebietsdatei {path}" in output
    assert expected in output
    assert await _snapshot(registry_db) == before


async def test_another_city_runs_on_its_own_territory_file(stack: Stack, tmp_path: Path) -> None:
    with registry_of_another_city(stack, "musterstadt-") as service:
        areas = get_once_up(service, "/api/v1/social-areas").json()
        assert [a["key"] for a in areas] == ["altstadt", "auenviertel"]
        assert [d["name"] for d in areas[0]["districts"]] == ["Musterstadt-Nord", "Musterstadt-Süd"]
        assert areas[0]["community_centre"]["name"] == "Bürgerhaus am Markt"
