"""SQL of the registry, one module per aggregate family; migrations in ``migrations/``."""

from pathlib import Path

MIGRATIONS = Path(__file__).parent / "migrations"
