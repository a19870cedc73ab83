"""The reporting service's settings (``QUARTIER_*`` environment variables), read once at start and passed down."""

from __future__ import annotations

from quartier_shared.settings import ServiceSettings

# The CloudEvents ``source`` of everything reporting announces.
SOURCE = "/quartier/reporting"


class ReportingSettings(ServiceSettings):
    service_name: str = "reporting"
    http_port: int = 8104
