"""Reading a city's territory file (YAML). Duplicate keys and syntax errors are refused, not overwritten."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from quartier_registry.domain.territory import Territory, TerritoryError, parse_territory


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
