"""Open Referral HSDS 3.0 export of the offer directory (filled in by issue 3)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/hsds", include_in_schema=False)
