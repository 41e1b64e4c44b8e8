"""Request ids: on every response, in every error body and on every log line written while a request runs."""

import uuid

import pytest
import structlog
from fhir.resources.R4B.operationoutcome import OperationOutcome

from api import errors
from domain.referrals import audited_reads, service
from integrations.fhir.outcomes import REQUEST_ID_EXTENSION
from tests.factories import make_referral


async def test_a_problem_names_the_request_id_of_its_response(client):
    missing = await client.get(f"/v1/referrals/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.json()["request_id"] == missing.headers["x-request-id"]
    assert int(missing.headers["content-length"]) == len(missing.content)


async def test_the_callers_request_id_is_kept_in_header_and_problem(client):
    invalid = await client.get("/v1/referrals/not-an-id", headers={"X-Request-Id": "lb-7f3a:9"})
    assert invalid.status_code == 422
    assert invalid.headers["x-request-id"] == "lb-7f3a:9"
    assert invalid.json()["request_id"] == "lb-7f3a:9"
    assert invalid.json()["errors"]  # the problem is otherwise as it was


async def test_a_problem_written_by_middleware_carries_the_request_id(client):
    refused = await client.get(
        "/v1/referrals", params={"service_line": "cardio\x00logy"}, headers={"X-Request-Id": "nul-1"}
    )
    assert refused.status_code == 422
    assert refused.json()["request_id"] == "nul-1"


async def test_an_unexpected_error_names_its_request_id_in_body_header_and_log(client, session, monkeypatch):
    referral = await make_referral(session)

    async def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(service, "get_referral", broken)
    monkeypatch.setattr(
        audited_reads, "referral_detail", broken
    )  # the read's direct path (api/routers/referral_reads.py)
    capture = structlog.testing.LogCapture()
    monkeypatch.setattr(
        errors, "log", structlog.wrap_logger(None, processors=[structlog.contextvars.merge_contextvars, capture])
    )
    failed = await client.get(f"/v1/referrals/{referral.id}", headers={"X-Request-Id": "boom-1"})
    assert failed.status_code == 500
    assert failed.headers["x-request-id"] == "boom-1"
    assert failed.json()["request_id"] == "boom-1"
    assert [e["request_id"] for e in capture.entries if e["event"] == "unhandled error"] == ["boom-1"]


@pytest.mark.parametrize("given", ["has space", 'quote"d', "x" * 129, "caf\xe9", ""])
async def test_an_unusable_request_id_is_replaced(client, given):
    answered = await client.get("/healthz", headers={"X-Request-Id": given.encode("latin-1")})
    assert answered.headers["x-request-id"] != given
    assert len(answered.headers["x-request-id"]) == 32


async def test_an_operation_outcome_carries_the_request_id_as_an_extension(client_for):
    ehr = await client_for("ehr_client", scopes=["system/*.*"])
    missing = await ehr.get(f"/fhir/R4/ServiceRequest/{uuid.uuid4()}", headers={"X-Request-Id": "fhir-9"})
    assert missing.status_code == 404
    body = missing.json()
    assert body["resourceType"] == "OperationOutcome"
    assert {"url": REQUEST_ID_EXTENSION, "valueString": "fhir-9"} in body["extension"]
    assert "fhir-9" not in str(body["issue"])  # diagnostics stay the person-readable text they were
    OperationOutcome.model_validate(body)  # still valid R4


async def test_an_operation_outcome_from_the_auth_guard_carries_it_too(client_for):
    anonymous = await client_for("anonymous")
    refused = await anonymous.get("/fhir/R4/ServiceRequest", headers={"X-Request-Id": "anon-1"})
    assert refused.status_code == 401
    assert refused.json()["extension"] == [{"url": REQUEST_ID_EXTENSION, "valueString": "anon-1"}]


async def test_log_lines_written_during_a_request_carry_its_id(client, session, monkeypatch):
    """Not only the access line: any structlog line the request's code writes."""
    referral = await make_referral(session)
    capture = structlog.testing.LogCapture()
    logger = structlog.wrap_logger(None, processors=[structlog.contextvars.merge_contextvars, capture])
    real = service.get_referral

    async def logging_get(*args, **kwargs):
        logger.info("inside the service")
        return await real(*args, **kwargs)

    monkeypatch.setattr(service, "get_referral", logging_get)
    real_direct = audited_reads.referral_detail

    async def logging_direct(*args, **kwargs):
        logger.info("inside the service")
        return await real_direct(*args, **kwargs)

    monkeypatch.setattr(audited_reads, "referral_detail", logging_direct)
    await client.get(f"/v1/referrals/{referral.id}", headers={"X-Request-Id": "svc-1"})
    assert [e["request_id"] for e in capture.entries] == ["svc-1"]
