"""SQL of reporting's read models, one module per family; migrations in ``db/migrations``."""

from __future__ import annotations

from pathlib import Path

MIGRATIONS = Path(__file__).parent / "migrations"
