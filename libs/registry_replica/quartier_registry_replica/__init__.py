"""A service's local replica of the registry (territory, actors, bodies, memberships, people by id, offers by
id), built only from the registry's events: its migration, the forward-only upserts (``upserts``), the
event-handler map a service's consumers subscribe with (``handlers``) and the read queries (``queries``).

Planning, invitations and reporting each hold one in their own schema: the SQL names no schema, the
service's search_path decides. A service applies the migration with
``ServiceSpec(library_migrations=[LIBRARY_MIGRATIONS])``.
"""

from __future__ import annotations

from pathlib import Path

MIGRATIONS = Path(__file__).parent / "migrations"
# The (source name, folder) a service lists in ``ServiceSpec.library_migrations`` and hands to ``migrate``.
LIBRARY_MIGRATIONS: tuple[str, Path] = ("registry_replica", MIGRATIONS)
