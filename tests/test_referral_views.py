"""The fast read path (explicit columns, no re-validation) shows exactly what the validated model would."""

from domain.journey.models import ReferralClock
from domain.referrals import schemas
from domain.referrals.enums import ReferralStatus as S
from tests.factories import make_referral, referral_payload


def _expected(referral) -> dict:
    return schemas.Referral.model_validate(referral).model_dump(mode="json")


def _listed(referral, clock) -> dict:
    """A list item: the referral as the validated model shows it, and its clock's first-contact due time."""
    shown = schemas.Referral.model_validate(referral).model_dump()
    item = {**shown, "first_contact_due_at": clock.first_contact_due_at if clock else None}
    return schemas.ReferralListItem.model_validate(item).model_dump(mode="json")


async def test_a_referral_read_by_id_shows_every_field_as_the_validated_model_does(client, session):
    full_patient = {
        **referral_payload()["patient"],
        "email": "maria.lopez@example.org",
        "notes": "Prefers mornings",
        "address": {
            "line": ["12 Elm St", "Apt 4"],
            "city": "Springfield",
            "state": "IL",
            "postal_code": "62701",
            "country": "US",
        },
    }
    referral = await make_referral(session, status=S.scheduled, patient=full_patient, queue="cardiology-intake")
    await session.flush()

    response = await client.get(f"/v1/referrals/{referral.id}")

    assert response.status_code == 200
    body = response.json()
    # The detail adds the journey's view (SLA clocks, open info request) to the referral's own fields.
    assert isinstance(body.pop("sla"), list) and "info_request" in body
    body.pop("info_request")
    assert body == _expected(referral)
    assert response.json()["patient"]["address"]["line"] == ["12 Elm St", "Apt 4"]
    assert response.headers["ETag"] == f'"{referral.version}"'


async def test_a_list_page_shows_each_referral_as_the_validated_model_does(client, session):
    sparse = await make_referral(
        session,
        service_line="view-check",
        patient={"given_name": "Ann", "family_name": "Bo", "birth_date": "1990-01-02"},
    )
    rich = await make_referral(
        session,
        service_line="view-check",
        status=S.accepted,
        patient={**referral_payload()["patient"], "address": {"city": "Dover"}},
    )
    await session.flush()

    response = await client.get("/v1/referrals", params={"service_line": "view-check", "sort": "received_at"})

    assert response.status_code == 200
    by_id = {item["id"]: item for item in response.json()["items"]}
    expected = {str(r.id): _listed(r, await session.get(ReferralClock, r.id)) for r in (sparse, rich)}
    assert by_id == expected
    # Both clocks run (received, accepted): the list shows when first contact is due.
    assert all(item["first_contact_due_at"] is not None for item in by_id.values())
