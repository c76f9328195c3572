"""A person's own name, as the person is entitled to read it: a volunteer's and a
resident's from the vault, a staff member's as given when the login was opened
(kept in the vault beside it). A machine's token names no person."""

from __future__ import annotations

from domain.access import Actor, Role
from infra.vault import VaultReader


def person_name(people: VaultReader, actor: Actor) -> str | None:
    """The clear name of the person behind `actor`, None for a machine token (or
    a person whose name is not on record: erased, or a login opened before
    names were kept)."""
    if actor.login_id is None:
        return None
    if actor.role is Role.VOLUNTEER and actor.volunteer_id is not None:
        person = people.personal_data(actor.volunteer_id)
        return person.name if person else None
    if actor.role is Role.RESIDENT:
        resident = people.resident(actor.token_id)
        return resident["name"] if resident else None
    return people.contact(actor.login_id)
