"""OParl 1.1 export of the bodies (filled in by issue 3)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/oparl", include_in_schema=False)
