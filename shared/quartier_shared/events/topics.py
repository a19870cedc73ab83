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
    # "delete" (keep by time, here forever) or "compact" (keep the newest record per key).
    cleanup_policy: str = "delete"

    def dlq(self) -> TopicSpec:
        return TopicSpec(self.name + DLQ_SUFFIX, partitions=1, retention_ms=DLQ_RETENTION_MS)


REGISTRY_TERRITORY = TopicSpec("quartier.registry.territory")
# Actors, people, bodies and memberships. Key: the aggregate (actor/…, person/…, body/…, membership/…).
REGISTRY_DIRECTORY = TopicSpec("quartier.registry.directory")
# The offer directory (Angebote) and suspected duplicates. Key: offer/….
REGISTRY_OFFERS = TopicSpec("quartier.registry.offers")
# Names and e-mail addresses of people, for the one service that must write to them (invitations): the
# only topic that carries personal data. Compacted by key person/<id>, so after an erasure only the
# ContactDetailsErased record of the person remains.
REGISTRY_CONTACTS = TopicSpec("quartier.registry.contacts", cleanup_policy="compact")

# The social data of each Sozialraum and Wohnbereich (figures from the statistics office). Key: social-area/<key>.
REGISTRY_SOCIAL_DATA = TopicSpec("quartier.registry.social-data")

# The Jahresplan cycle: plans, their hearings, council needs and answers, reviews, evaluations, and the
# needs of a Sozialraum. Key: plan/<social area>/<year> or need/<id>.
PLANNING_PLANS = TopicSpec("quartier.planning.plans")
# The steering committee's city-wide goals, derived from council decisions. Key: goal/<id>.
PLANNING_GOALS = TopicSpec("quartier.planning.goals")

# Target agreements with commissioned providers and their activity reports. Key: agreement/<id>.
PLANNING_AGREEMENTS = TopicSpec("quartier.planning.agreements")

# Meetings of the bodies, their invitations and answers, attendance, and the needs residents raise at a
# Stadtteilkonferenz. Key: meeting/<id>.
INVITATIONS_MEETINGS = TopicSpec("quartier.invitations.meetings")

# Reporting: published yearly reports (Gesamtbericht) and the distribution of reviews and evaluations to
# the steering committee and the councils. Key: report/<year> or plan/<social area>/<year>.
REPORTING_REPORTS = TopicSpec("quartier.reporting.reports")

TOPICS: tuple[TopicSpec, ...] = (
    REGISTRY_TERRITORY,
    REGISTRY_DIRECTORY,
    REGISTRY_OFFERS,
    REGISTRY_CONTACTS,
    REGISTRY_SOCIAL_DATA,
    PLANNING_PLANS,
    PLANNING_GOALS,
    PLANNING_AGREEMENTS,
    INVITATIONS_MEETINGS,
    REPORTING_REPORTS,
)


def topic_name(base: str, prefix: str = "") -> str:
    return f"{prefix}{base}"
