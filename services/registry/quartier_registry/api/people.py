"""HTTP routes of the registry's people (filled in by issue 3)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1")
