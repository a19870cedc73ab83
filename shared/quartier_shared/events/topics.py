"""Every topic of the platform, created explicitly at start (the broker never auto-creates).

Partitions: 3 per topic, enough for per-key parallelism on the small volumes of one city while keeping
each aggregate on one partition. Retention: event topics keep everything (-1) because read models are
rebuilt by replaying them from the beginning; dead-letter topics keep 30 days for inspection.
"""

from __future__ import annotations

from dataclasses import dataclass

DLQ_SUFFIX = ".dlq"
DLQ_RETENTION_MS = 30 * 24 * 3600 * 1000


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int = 3
    retention_ms: int = -1

    def dlq(self) -> TopicSpec:
        return TopicSpec(self.name + DLQ_SUFFIX, partitions=1, retention_ms=DLQ_RETENTION_MS)


REGISTRY_TERRITORY = TopicSpec("quartier.registry.territory")
# Actors, people, bodies and memberships. Key: the aggregate (actor/…, person/…, body/…, membership/…).
REGISTRY_DIRECTORY = TopicSpec("quartier.registry.directory")
# The offer directory (Angebote) and suspected duplicates. Key: offer/….
REGISTRY_OFFERS = TopicSpec("quartier.registry.offers")

# The Jahresplan cycle: plans, their hearings, council needs and answers, reviews, evaluations, and the
# needs of a Sozialraum. Key: plan/<social area>/<year> or need/<id>.
PLANNING_PLANS = TopicSpec("quartier.planning.plans")
# The steering committee's city-wide goals, derived from council decisions. Key: goal/<id>.
PLANNING_GOALS = TopicSpec("quartier.planning.goals")

# Meetings of the bodies, their invitations and answers, attendance, and the needs residents raise at a
# Stadtteilkonferenz. Key: meeting/<id>.
INVITATIONS_MEETINGS = TopicSpec("quartier.invitations.meetings")

TOPICS: tuple[TopicSpec, ...] = (
    REGISTRY_TERRITORY,
    REGISTRY_DIRECTORY,
    REGISTRY_OFFERS,
    PLANNING_PLANS,
    PLANNING_GOALS,
    INVITATIONS_MEETINGS,
)


def topic_name(base: str, prefix: str = "") -> str:
    return f"{prefix}{base}"
