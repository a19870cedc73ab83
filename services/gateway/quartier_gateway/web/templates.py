"""The Jinja templates (``quartier_gateway/templates``, one folder per feature) and rendering a page."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from quartier_gateway.web import format
from quartier_gateway.web.csrf import CSRF_FIELD
from quartier_gateway.web.state import gateway_of, session_of

TEMPLATES_DIR = Path(__file__).parent.parent / "templates"


@functools.cache
def make_templates(city_name: str = "Hamm") -> Jinja2Templates:
    """One environment per city, shared by every app built for it: compiling the templates is the costly
    part of building an app (the unit tests build hundreds). Nothing changes it after this function."""
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.globals["city"] = city_name
    templates.env.filters["berlin"] = format.berlin_time
    templates.env.globals["csrf_field"] = CSRF_FIELD
    return templates


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    session = session_of(request)
    ctx: dict[str, Any] = {
        "principal": session.principal if session else None,
        "session_csrf": session.csrf_token if session else "",
        "current_path": request.url.path,
    }
    ctx.update(context or {})
    response: HTMLResponse = gateway_of(request).templates.TemplateResponse(
        request, template, ctx, status_code=status_code
    )
    return response
