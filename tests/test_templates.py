"""Staff edit message wording through /v1/templates; a template that would not render is refused on save."""

import pytest

from domain.outreach.compose import compose
from domain.providers.models import Provider
from domain.shared.outbox import add_message


async def test_every_kind_has_a_default_wording(client):
    response = await client.get("/v1/templates")
    assert response.status_code == 200
    templates = response.json()
    assert {(t["kind"], t["channel"]) for t in templates} >= {("acknowledgement", "email"), ("reminder", "sms")}
    assert not any(t["customised"] for t in templates)


async def test_saved_template_is_used_for_the_next_message(client, session):
    response = await client.post(
        "/v1/templates",
        json={
            "kind": "thank_you",
            "channel": "email",
            "subject": "Thanks, {{ referrer.display_name }}!",
            "body": "Dear {{ referrer.given_name }}, thank you from all of us at {{ practice.name }}.",
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["customised"] is True and response.json()["version"] == 1

    provider = Provider(
        given_name="Anna",
        family_name="Reyes",
        prefix="Dr.",
        credentials=["MD"],
        contact_points=[{"system": "email", "value": "anna@clinic.example"}],
    )
    session.add(provider)
    await session.flush()
    message = await add_message(
        session,
        channel="email",
        kind="thank_you",
        recipient_type="provider",
        recipient_id=provider.id,
        idempotency_key="tpl-test",
    )
    composed = await compose(session, message)
    assert composed.content.subject == "Thanks, Dr. Anna Reyes!"
    assert composed.content.body.startswith("Dear Anna, thank you from all of us at ")

    reset = await client.delete("/v1/templates/thank_you/email")
    assert reset.status_code == 200 and reset.json()["customised"] is False


@pytest.mark.parametrize(
    ("field", "subject", "body", "says"),
    [
        ("body.body", "Hi", "Dear {{ referrer.display_name }", "syntax"),
        ("body.body", "Hi", "Dear {{ referer.display_name }}", "referer"),
        ("body.subject", "About {{ patient.ssn }}", "Fine body", "ssn"),
        ("body.body", "Hi", "{{ ''.__class__.__mro__[1].__subclasses__() }}", "not"),
        ("body.body", "Hi", "{% for item in missing %}{{ item.upper.__globals__ }}{% endfor %}", "not"),
    ],
)
async def test_template_that_cannot_render_is_refused_naming_the_field(client, field, subject, body, says):
    response = await client.post(
        "/v1/templates", json={"kind": "status_needs_info", "channel": "email", "subject": subject, "body": body}
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["errors"][0]["field"] == field
    assert says in problem["detail"].lower()
    after = await client.get("/v1/templates/status_needs_info/email")
    assert after.json()["customised"] is False  # nothing half-saved


async def test_preview_renders_sample_values_without_saving(client):
    response = await client.post(
        "/v1/templates/preview",
        json={
            "kind": "status_needs_info",
            "channel": "email",
            "subject": "Need {{ missing | length }} things",
            "body": "{% for item in missing %}- {{ item }}\n{% endfor %}",
        },
    )
    assert response.status_code == 200, response.text
    preview = response.json()
    assert preview["subject"] == "Need 2 things"
    assert "- Recent ECG tracing" in preview["body"]
    assert (await client.get("/v1/templates/status_needs_info/email")).json()["customised"] is False


async def test_email_template_needs_a_subject_and_webhooks_have_no_template(client):
    no_subject = await client.post("/v1/templates", json={"kind": "thank_you", "channel": "email", "body": "Hi"})
    assert no_subject.status_code == 422 and no_subject.json()["errors"][0]["field"] == "body.subject"
    webhook = await client.post("/v1/templates/preview", json={"kind": "thank_you", "channel": "webhook", "body": "x"})
    assert webhook.status_code == 422 and webhook.json()["errors"][0]["field"] == "body.channel"


async def test_sms_template_is_saved_without_a_subject(client):
    response = await client.post(
        "/v1/templates",
        json={
            "kind": "reminder",
            "channel": "sms",
            "subject": "ignored",
            "body": "{{ practice.name }}: see you {{ appointment.date }}, {{ patient.given_name }}.",
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["subject"] is None
