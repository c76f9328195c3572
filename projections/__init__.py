"""Read models, built by transport-free projections from the ledger's events."""

from __future__ import annotations

from projections.accounts import AccountsProjection
from projections.activities import ActivitiesProjection
from projections.awards import AwardsProjection
from projections.base import Projection
from projections.catalog import CatalogProjection
from projections.certificates import CertificatesProjection
from projections.insurance import InsuranceProjection
from projections.logins import LoginsProjection
from projections.notifications import NotificationsProjection
from projections.orders import OrdersProjection
from projections.organisation import OrganisationProjection
from projections.plans import PlansProjection
from projections.policy import PolicyProjection
from projections.projects import ProjectsProjection
from projections.ratings import RatingsProjection
from projections.registrations import RegistrationsProjection
from projections.volunteers import VolunteersProjection


def all_projections() -> list[Projection]:
    return [
        OrganisationProjection(),
        VolunteersProjection(),
        AccountsProjection(),
        PolicyProjection(),
        OrdersProjection(),
        RatingsProjection(),
        ActivitiesProjection(),
        CatalogProjection(),
        CertificatesProjection(),
        ProjectsProjection(),
        PlansProjection(),
        AwardsProjection(),
        InsuranceProjection(),
        LoginsProjection(),
        RegistrationsProjection(),
        NotificationsProjection(),
    ]
