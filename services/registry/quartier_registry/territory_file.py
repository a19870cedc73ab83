"""Moved to ``quartier_registry.service.territory``; this alias stays only until ``app.py`` imports
``TerritoryFileError`` from there."""

from quartier_registry.service.territory import TerritoryFile, TerritoryFileError, read_territory_file

__all__ = ["TerritoryFile", "TerritoryFileError", "read_territory_file"]
