"""Reporting's reading of territory events: what each change means for the read model, in words."""

from __future__ import annotations

from quartier_shared.events.territory import CommunityCentreRenamed, ResidentialAreaMoved


def describe_rename(event: CommunityCentreRenamed) -> str:
    return (
        f"Stadtteilzentrum im Sozialraum „{event.social_area_key}“ umbenannt: „{event.old_name}“ → „{event.new_name}“"
    )


def describe_move(event: ResidentialAreaMoved) -> str:
    return (
        f"Wohnbereich {event.number} wechselt von Sozialraum „{event.from_social_area_key}“ "
        f"zu „{event.to_social_area_key}“"
    )
