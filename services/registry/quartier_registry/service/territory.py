"""Use cases of the territory: load the city's territory file (YAML; duplicate keys and syntax errors are
refused, not overwritten) at start, and change it (load, decide, save together with the outbox in one
transaction)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import yaml

from quartier_registry.db import people as people_db
from quartier_registry.db import territory as db
from quartier_registry.domain import territory as domain
from quartier_registry.domain.territory import Territory, TerritoryError, TerritoryNotLoaded, parse_territory
from quartier_registry.settings import SOURCE
from quartier_shared.events.envelope import CloudEvent, EventPayload
from quartier_shared.events.people import PersonChanged
from quartier_shared.events.territory import ResidentialAreaMoved
from quartier_shared.outbox import enqueue

log = logging.getLogger(__name__)

C = TypeVar("C", bound=EventPayload)


class TerritoryFileError(Exception):
    """The territory file cannot be used; the message names the file and the entry."""

    def __init__(self, path: Path, entry: str, message: str) -> None:
        where = f", Eintrag {entry}" if entry else ""
        super().__init__(f"Gebietsdatei {path}{where}: {message}")
        self.path = path
        self.entry = entry


class _StrictLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"Schlüssel {key!r} ist doppelt (zuerst in Zeile {seen[key] + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass(frozen=True)
class TerritoryFile:
    path: Path
    sha256: str
    territory: Territory


def read_territory_file(path: Path) -> TerritoryFile:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TerritoryFileError(path, "", f"Datei kann nicht gelesen werden ({exc.strerror}).") from exc
    try:
        doc = yaml.load(raw.decode("utf-8"), Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except UnicodeDecodeError as exc:
        raise TerritoryFileError(path, "", "Die Datei ist nicht UTF-8-kodiert.") from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"Zeile {mark.line + 1}, Spalte {mark.column + 1}" if mark else ""
        raise TerritoryFileError(path, where, f"ungültiges YAML: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise TerritoryFileError(path, "", f"ungültiges YAML: {exc}") from exc
    try:
        territory = parse_territory(doc)
    except TerritoryError as exc:
        raise TerritoryFileError(path, exc.entry, exc.message) from exc
    return TerritoryFile(path, hashlib.sha256(raw).hexdigest(), territory)


async def load_territory_file(pool: asyncpg.Pool, path: Path) -> int:
    """Loads the city's territory file at start; returns how many events it announced.

    The whole file is validated before anything is written, and everything is written in one
    transaction: a broken file leaves the database as it was. An unchanged file announces nothing.
    """
    loaded = read_territory_file(path)
    async with pool.acquire() as conn, conn.transaction():
        await db.lock_territory(conn)
        if await db.last_loaded_sha(conn) == loaded.sha256:
            log.info("territory file unchanged", extra={"file": str(path)})
            return 0
        current = await db.load_territory(conn, for_update=True)
        if current is not None and current.city != loaded.territory.city:
            raise TerritoryFileError(
                path,
                "city",
                (f"Die Datenbank gehört zur Stadt „{current.city}“, die Datei zu „{loaded.territory.city}“."),
            )
        try:
            events = domain.registration_events(current, loaded.territory)
        except TerritoryError as exc:
            raise TerritoryFileError(path, exc.entry, exc.message) from exc
        await db.save_territory(conn, loaded.territory)
        for event in events:
            await enqueue(conn, event, source=SOURCE)
        await db.record_load(conn, path, loaded.sha256, len(events))
    log.info("territory file loaded", extra={"file": str(path), "events": len(events)})
    return len(events)


async def current_territory(pool: asyncpg.Pool) -> Territory:
    async with pool.acquire() as conn:
        return _loaded(await db.load_territory(conn))


async def _change(
    pool: asyncpg.Pool,
    actor: str,
    decide: Callable[[Territory], C],
    save: Callable[[asyncpg.Connection, C], Awaitable[None]],
) -> CloudEvent:
    """Loads the territory under its lock, decides the change, saves it with its event and audit row."""
    async with pool.acquire() as conn, conn.transaction():
        # Territory changes are rare; one lock on the territory serialises them and keeps guards true.
        change = decide(_loaded(await db.load_territory(conn, for_update=True)))
        await save(conn, change)
        event = await enqueue(conn, change, source=SOURCE)
        await db.audit(conn, event.id, actor, change.model_dump(mode="json"))
    return event


async def rename_community_centre(pool: asyncpg.Pool, social_area_key: str, name: str, actor: str) -> CloudEvent:
    return await _change(
        pool,
        actor,
        lambda territory: domain.rename_community_centre(territory, social_area_key, name),
        lambda conn, change: db.rename_community_centre(conn, change.social_area_key, change.new_name),
    )


async def move_residential_area(pool: asyncpg.Pool, number: int, to_social_area_key: str, actor: str) -> CloudEvent:
    async def save(conn: asyncpg.Connection, change: ResidentialAreaMoved) -> None:
        await db.set_social_area_of(conn, change.number, change.to_social_area_key)
        await _announce_residents_moved(conn, change)

    return await _change(
        pool, actor, lambda territory: domain.move_residential_area(territory, number, to_social_area_key), save
    )


async def _announce_residents_moved(conn: asyncpg.Connection, change: ResidentialAreaMoved) -> None:
    """The people living in the moved Wohnbereich now live in another Sozialraum. The move names no people and
    the other services know a person's Sozialraum only (never the Wohnbereich), so each resident's
    ``PersonChanged`` carries the new one to their registry replicas, in the move's transaction."""
    for person in await people_db.residents_of(conn, change.number):
        changed = PersonChanged(
            person_id=person.id,
            actor_id=person.actor_id,
            lives_in_social_area_key=change.to_social_area_key,
            changed_fields=["lives_in_social_area_key"],
        )
        await enqueue(conn, changed, source=SOURCE)


def _loaded(territory: Territory | None) -> Territory:
    if territory is None:
        raise TerritoryNotLoaded()
    return territory
