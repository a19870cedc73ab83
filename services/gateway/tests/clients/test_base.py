"""Reading a backend's refusal: every service answers RFC 9457 problem+json."""

import httpx
import pytest

from quartier_gateway.clients.base import Gone, NotFound, Rejected, ServiceClient, Unavailable, refusal_of
from quartier_shared.errors import FieldError


def test_a_problem_answer_becomes_the_refusal_with_its_fields_and_extensions():
    refused = refusal_of(
        409,
        {
            "type": "about:blank",
            "title": "Konflikt",
            "status": 409,
            "detail": "Zur gleichen Zeit tagt der Rat.",
            "errors": [{"field": "starts_at", "message": "Zur gleichen Zeit tagt der Rat."}],
            "conflicts": [{"title": "Rat"}],
        },
    )
    assert isinstance(refused, Rejected) and refused.status_code == 409
    assert refused.detail == "Zur gleichen Zeit tagt der Rat."
    assert refused.errors == [FieldError("starts_at", "Zur gleichen Zeit tagt der Rat.")]
    assert refused.field == "starts_at" and refused.message == "Zur gleichen Zeit tagt der Rat."
    assert refused.conflicts == [{"title": "Rat"}]


def test_kinds_lines_and_a_refusal_without_detail():
    assert isinstance(refusal_of(404, {"detail": "Nicht gefunden."}), NotFound)
    gone = refusal_of(410, {"detail": "Die Daten dieser Person wurden gelöscht."})
    assert isinstance(gone, Gone) and gone.field is None and gone.message == gone.detail
    lines = refusal_of(422, {"detail": "Die Datei wurde nicht übernommen.", "lines": [{"line": 3, "message": "x"}]})
    assert lines.lines == [(3, "x")]
    assert refusal_of(422, None, "Abgelehnt.").detail == "Abgelehnt."


async def test_no_answer_a_server_error_and_no_json_are_unavailable():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/down":
            raise httpx.ConnectError("refused", request=request)
        if request.url.path == "/error":
            return httpx.Response(500, json={"detail": "kaputt"})
        if request.url.path == "/text":
            return httpx.Response(200, text="kein JSON")
        return httpx.Response(422, json={"detail": "Falsch.", "errors": [{"field": "title", "message": "Falsch."}]})

    client = ServiceClient("http://service.test", transport=httpx.MockTransport(handler))
    client.unavailable_message = "Der Dienst fehlt."
    for path in ("/down", "/error", "/text"):
        with pytest.raises(Unavailable) as missing:
            await client.request("GET", path)
        assert missing.value.message == "Der Dienst fehlt."
    with pytest.raises(Rejected) as refused:
        await client.request("POST", "/refuse", json={}, actor="admin", if_match=3)
    assert refused.value.field == "title"
    await client.aclose()
