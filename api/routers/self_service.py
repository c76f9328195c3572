"""What a person does before having an account: read the privacy notice, register
as a volunteer (pending the station's check), ask for a phone code, and register as
a resident. No token; each is limited per client address."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from fastapi import APIRouter, Request, Response

from api.deps import (
    ContainerDep,
    IdempotencyHeader,
    ReadAfter,
    client_address,
    public_key,
)
from api.routers.common import written
from api.routers.registrations import missing_registration
from api.schemas.people import (
    PhoneCodeIn,
    PhoneCodeSent,
    PrivacyNoticeOut,
    RegistrationStatusOut,
    RegistrationWritten,
    ResidentIn,
    ResidentWritten,
    VolunteerRegistrationIn,
)
from application.registrations import SELF_SERVICE, SubmitRegistration
from application.residents import RegisterResident, check_mobile
from application.services import Container
from domain.privacy import PRIVACY_NOTICE

router = APIRouter(prefix="/v1/public", tags=["self-service"])
#: Registrations one client address may submit an hour (a shared office NAT too).
REGISTRATIONS_PER_HOUR = 10


def _take_quota(container: Container, request: Request, kind: str) -> None:
    container.quotas.take(
        kind,
        client_address(request),
        REGISTRATIONS_PER_HOUR,
        timedelta(hours=1),
        container.clock.now(),
        "body",
    )


@router.get("/privacy-notice", response_model=PrivacyNoticeOut)
def privacy_notice() -> PrivacyNoticeOut:
    """The notice a registration consents to (PIPL Art. 17), with its version."""
    return PrivacyNoticeOut.model_validate(PRIVACY_NOTICE)


@router.post(
    "/volunteer-registrations", status_code=201, response_model=RegistrationWritten
)
def register_volunteer(
    body: VolunteerRegistrationIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    idempotency_key: IdempotencyHeader = None,
) -> RegistrationWritten:
    """自主注册: Art. 6's fields, a login and the consent to the privacy notice. It
    waits for a coordinator of the station to check the person's ID card and
    approve it; until then signing in answers 403 `registration_approved`. One ID
    number registers once (409 `id_number_unique`, pending ones included)."""
    _take_quota(container, request, "volunteer_registration")
    key = public_key(request, idempotency_key, body.model_dump(mode="json"))
    command = SubmitRegistration(
        body.name,
        body.gender,
        body.birth_date,
        body.id_number,
        body.phone,
        body.station_id,
        body.login,
        body.password,
        body.consent.notice_version,
        body.consent.agreed,
        body.skills,
        body.party_member,
        body.registration_id,
    )
    outcome = container.commands.run(
        container.registrations.submit, command, SELF_SERVICE, key
    )
    return written(RegistrationWritten, outcome, response)


@router.get(
    "/volunteer-registrations/{registration_id}",
    response_model=RegistrationStatusOut,
    dependencies=[ReadAfter],
)
def registration_status(
    registration_id: UUID, container: ContainerDep
) -> RegistrationStatusOut:
    """Where a registration stands, for whoever holds its id: no personal data."""
    row = container.people.registration(registration_id)
    if row is None:
        raise missing_registration(registration_id)
    return RegistrationStatusOut.model_validate(row)


@router.post("/phone-codes", status_code=202, response_model=PhoneCodeSent)
def send_phone_code(
    body: PhoneCodeIn,
    request: Request,
    container: ContainerDep,
) -> PhoneCodeSent:
    """A six-digit code by SMS, good for 10 minutes and 5 tries: it proves the
    phone of a resident's registration. One a minute and 5 a day per phone, 10 an
    hour per client address (429 with Retry-After)."""
    phone = check_mobile(body.phone)
    expires_at = container.phone_codes.send(phone, client_address(request))
    container.delivery.nudge()  # sent by the delivery threads, never here
    return PhoneCodeSent(expires_at=expires_at)


@router.post("/residents", status_code=201, response_model=ResidentWritten)
def register_resident(
    body: ResidentIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    idempotency_key: IdempotencyHeader = None,
) -> ResidentWritten:
    """A resident's own account: name, mobile (proved by the SMS code), community,
    password and the consent. Orders staff took for this phone before (代点单) are
    the resident's from now on; the login name is the phone unless one is given."""
    _take_quota(container, request, "resident_registration")
    key = public_key(request, idempotency_key, body.model_dump(mode="json"))
    command = RegisterResident(
        body.name,
        body.phone,
        body.community_id,
        body.password,
        body.phone_code,
        body.consent.notice_version,
        body.consent.agreed,
        body.login,
    )
    outcome = container.commands.run(
        container.residents.register, command, SELF_SERVICE, key
    )
    return written(ResidentWritten, outcome, response)
