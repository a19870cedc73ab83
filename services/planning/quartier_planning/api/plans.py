"""HTTP routes of the Jahresplan cycle (filled in by issue 4)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1")
