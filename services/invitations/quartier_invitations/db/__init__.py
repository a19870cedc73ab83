"""SQL of the invitations service. Migrations: 001–019 territory copy, meetings and the political calendar;
020–039 directory copy and invitees; 050–069 delivery."""

from __future__ import annotations

from pathlib import Path

MIGRATIONS = Path(__file__).parent / "migrations"
