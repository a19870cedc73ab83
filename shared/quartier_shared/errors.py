"""The family of refusals every service's domain raises, and the HTTP status each one means.

Pure: no web framework here, so domain modules subclass these freely. ``quartier_shared.http`` turns any
of them into an RFC 9457 problem answer; a route never catches them itself.

A service's own family subclasses both its base and the shared kind, e.g.
``class NotFound(PlanError, errors.NotFound)``, so that ``except PlanError`` keeps working in its use cases
while the HTTP mapping stays in one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class FieldError:
    """One wrong input: ``field`` as the API names it (``ends_on``, ``entries.0.reason``), ``message`` German."""

    field: str
    message: str


class DomainError(ValueError):
    """A rule is broken. ``field`` names the input ("" when none), ``message`` says what is wrong (German).

    ``errors`` lists further field errors (several at once); ``extensions`` are extra members of the problem
    answer (``conflicts`` of a date clash, ``lines`` of a refused CSV file)."""

    status: ClassVar[int] = 422
    title: ClassVar[str] = "Ungültige Angaben"

    def __init__(
        self,
        field: str,
        message: str,
        *,
        errors: Sequence[FieldError] = (),
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message
        self.errors: tuple[FieldError, ...] = tuple(errors)
        self.extensions: dict[str, Any] = dict(extensions or {})

    def field_errors(self) -> list[FieldError]:
        """The field errors of the answer: ``errors`` if given, else the one ``field`` (if any)."""
        if self.errors:
            return list(self.errors)
        return [FieldError(self.field, self.message)] if self.field else []


class InvalidInput(DomainError):
    """The input itself is wrong (422)."""

    status = 422
    title = "Ungültige Angaben"


class BadRequest(DomainError):
    """The request cannot be understood, e.g. an unknown query parameter of an open-data list (400)."""

    status = 400
    title = "Fehlerhafte Anfrage"


class Forbidden(DomainError):
    """The request carries no right to this, e.g. a forged or expired answer link (403)."""

    status = 403
    title = "Nicht erlaubt"


class NotFound(DomainError):
    """What the request names does not exist (404)."""

    status = 404
    title = "Nicht gefunden"


class Conflict(DomainError):
    """The request clashes with what is stored: a stale version, a duplicate, a date clash (409)."""

    status = 409
    title = "Konflikt"


class OutOfOrder(Conflict):
    """The step does not fit the current state; the message says what must happen first (409)."""

    title = "Schritt nicht möglich"


class Gone(DomainError):
    """It existed, but was erased or withdrawn for good (410)."""

    status = 410
    title = "Nicht mehr vorhanden"


class Unavailable(DomainError):
    """Something this answer needs is not ready yet (e.g. the territory not loaded) (503)."""

    status = 503
    title = "Vorübergehend nicht verfügbar"


TITLES: dict[int, str] = {
    400: BadRequest.title,
    401: "Anmeldung erforderlich",
    403: Forbidden.title,
    404: NotFound.title,
    405: "Methode nicht erlaubt",
    406: "Format nicht verfügbar",
    409: Conflict.title,
    410: Gone.title,
    412: "Version veraltet",
    413: "Anfrage zu groß",
    415: "Format nicht unterstützt",
    422: InvalidInput.title,
    428: "Version fehlt",
    429: "Zu viele Anfragen",
    500: "Interner Fehler",
    503: Unavailable.title,
}


def title_of(status: int) -> str:
    """The German title of an HTTP status (the problem answer's ``title``)."""
    if status in TITLES:
        return TITLES[status]
    return "Anfrage abgelehnt" if status < 500 else "Fehler des Dienstes"
