"""SQL of the planning service. Its schema holds the backbone tables (outbox, inbox) until its issue lands."""

from __future__ import annotations

from pathlib import Path

MIGRATIONS = Path(__file__).parent / "migrations"
