"""The planning service's settings (``QUARTIER_*`` environment variables), read once at start and passed down."""

from __future__ import annotations

from pydantic import Field, field_validator

from quartier_planning.domain.deadlines import parse_rules
from quartier_shared.context import ServiceContext
from quartier_shared.settings import ServiceSettings

# The CloudEvents ``source`` of everything planning announces.
SOURCE = "/quartier/planning"


class PlanningSettings(ServiceSettings):
    service_name: str = "planning"
    http_port: int = 8102
    # Deadlines of the cycle (see domain/deadlines.py): step → "Y-1-09-30" style rule, e.g.
    # QUARTIER_DEADLINES='{"draft": "Y-1-10-15"}'; steps not named keep their defaults.
    deadlines: dict[str, str] = Field(default_factory=dict)
    deadline_warning_days: int = Field(default=14, ge=0)
    # How often the service announces approaching and missed deadlines; 0 switches the check off.
    deadline_check_interval_seconds: float = Field(default=3600, ge=0)
    # The three Steuerungsziele of the concept with fictitious council decisions (data/demo-goals.yaml) for
    # the local demo (`make up`); never in production.
    demo_data: bool = False

    @field_validator("deadlines")
    @classmethod
    def _valid_deadlines(cls, value: dict[str, str]) -> dict[str, str]:
        parse_rules(value)  # refuses an unknown step or a date that is none
        return value


def settings_of(ctx: ServiceContext) -> PlanningSettings:
    """The settings the service was started with (the shared context holds them as the common base type)."""
    if not isinstance(ctx.settings, PlanningSettings):
        raise TypeError(f"planning runs with PlanningSettings, not {type(ctx.settings).__name__}")
    return ctx.settings
