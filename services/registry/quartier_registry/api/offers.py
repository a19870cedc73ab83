"""HTTP routes of the registry's offers (filled in by issue 3)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1")
