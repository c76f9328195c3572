"""Who may do what: roles and unit scope (a coordinator acts in its unit and below)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from domain.errors import Forbidden, InvalidInput, OutOfScope
from domain.organisation import Unit


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    VOLUNTEER = "volunteer"
    RESIDENT = "resident"
    KIOSK = "kiosk"
    AUDITOR = "auditor"


#: Roles whose tokens must name a unit (their scope) or a volunteer (themselves).
NEEDS_UNIT = frozenset({Role.COORDINATOR, Role.KIOSK})
NEEDS_VOLUNTEER = frozenset({Role.VOLUNTEER})


@dataclass(frozen=True)
class Actor:
    role: Role
    token_id: UUID
    name: str
    unit_id: UUID | None = None
    volunteer_id: UUID | None = None
    #: A person signed in: the login, the session, and whether the password must
    #: be changed before anything else (a reset by staff, a first sign-in).
    login_id: UUID | None = None
    session_id: UUID | None = None
    must_change_password: bool = False

    @property
    def label(self) -> str:
        """How the actor is named in events: role, name and token id."""
        return f"{self.role.value}:{self.name}:{self.token_id}"

    def check_scope_is_complete(self) -> None:
        if self.role in NEEDS_UNIT and self.unit_id is None:
            raise InvalidInput(
                "unit", "unit_required", f"a {self.role} token needs a unit"
            )
        if self.role in NEEDS_VOLUNTEER and self.volunteer_id is None:
            raise InvalidInput(
                "volunteer",
                "volunteer_required",
                f"a {self.role} token needs a volunteer",
            )

    def check_role(self, *roles: Role) -> None:
        if self.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise Forbidden(
                f"role {self.role.value} may not do this (needs: {allowed})"
            )

    def covers(self, unit: Unit) -> bool:
        return self.covers_lineage(unit.id, unit.lineage)

    def covers_lineage(self, unit_id: UUID, lineage: Sequence[UUID]) -> bool:
        """Whether the unit `unit_id` (below the units of `lineage`) is in scope."""
        if self.role in (Role.ADMIN, Role.AUDITOR):
            return True
        if self.role is Role.COORDINATOR and self.unit_id is not None:
            return unit_id == self.unit_id or self.unit_id in lineage
        return False

    def check_manages(self, unit: Unit) -> None:
        """Admins anywhere; coordinators inside their unit and the units below it."""
        self.check_role(Role.ADMIN, Role.COORDINATOR)
        if not self.covers(unit):
            raise OutOfScope(
                f"unit {unit.id} is outside the scope of this coordinator",
                field="unit_id",
            )

    def check_reads(self, unit_id: UUID, lineage: Sequence[UUID]) -> None:
        """Read-side scope: admins and auditors everywhere, coordinators in their
        unit and below (the lineage comes from the read model)."""
        self.check_role(Role.ADMIN, Role.AUDITOR, Role.COORDINATOR)
        if not self.covers_lineage(unit_id, lineage):
            raise OutOfScope(f"unit {unit_id} is outside this token's scope")

    def sees_clear_name(self, volunteer_id: UUID) -> bool:
        """Admins, coordinators (of volunteers already in their scope) and the
        volunteer itself see the clear name; everyone else the masked one."""
        return self.role in (Role.ADMIN, Role.COORDINATOR) or self.is_self(volunteer_id)

    def is_self(self, volunteer_id: UUID) -> bool:
        return self.role is Role.VOLUNTEER and self.volunteer_id == volunteer_id
