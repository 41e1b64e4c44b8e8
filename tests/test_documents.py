"""Documents: upload, list, download (audited), sealed at rest, checked against their bytes, size limit,
local and S3-compatible storage, and the completeness return when a required document arrives."""

import base64
import socket
import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from domain.audit.models import AuditEvent
from domain.journey.document_settings import document_settings
from integrations import storage as storage_module
from tests.factories import referral_payload

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture
def local_storage(tmp_path, monkeypatch):
    monkeypatch.setattr(document_settings(), "dir", tmp_path)
    monkeypatch.setattr(document_settings(), "s3_bucket", None)
    storage_module.get_storage.cache_clear()
    yield tmp_path
    storage_module.get_storage.cache_clear()


async def _referral(client, **overrides):
    return (await client.post("/v1/referrals", json=referral_payload(**overrides))).json()


async def _upload(
    client, referral_id, data, content_type="application/pdf", kind="clinical_note", title="Cardiology note"
):
    return await client.post(
        f"/v1/referrals/{referral_id}/documents",
        data={"kind": kind, "title": title},
        files={"file": ("note.pdf", data, content_type)},
    )


async def test_a_document_uploads_lists_and_downloads_sealed_at_rest_and_audited(client, session, local_storage):
    referral = await _referral(client)
    created = await _upload(client, referral["id"], PDF)
    assert created.status_code == 201, created.text
    document = created.json()
    assert (document["kind"], document["content_type"], document["size_bytes"]) == (
        "clinical_note",
        "application/pdf",
        len(PDF),
    )
    listed = (await client.get(f"/v1/referrals/{referral['id']}/documents")).json()
    assert [d["id"] for d in listed] == [document["id"]] and listed[0]["title"] == "Cardiology note"
    stored = list(local_storage.rglob("*"))
    blobs = [p for p in stored if p.is_file()]
    assert len(blobs) == 1 and b"%PDF" not in blobs[0].read_bytes()
    for _ in range(2):
        download = await client.get(f"/v1/referrals/{referral['id']}/documents/{document['id']}/content")
        assert download.status_code == 200 and download.content == PDF
        assert download.headers["content-type"] == "application/pdf"
    reads = (
        (
            await session.execute(
                select(AuditEvent).where(
                    AuditEvent.action == "document.download", AuditEvent.entity_id == document["id"]
                )
            )
        )
        .scalars()
        .all()
    )
    assert len(reads) == 2
    raw_title = (
        await session.execute(
            select(__import__("sqlalchemy").text("title")).select_from(
                __import__("sqlalchemy").text("referral_documents")
            )
        )
    ).scalar()
    assert "Cardiology" not in raw_title


async def test_empty_mislabeled_or_unknown_files_are_refused_and_nothing_is_kept(client, local_storage):
    referral = await _referral(client)
    cases = [
        (b"", "application/pdf", "empty"),
        (PNG, "application/pdf", "labelled application/pdf but its bytes are PNG image"),
        (PDF, "image/png", "labelled image/png but its bytes are PDF"),
        (b"\x00\x01\x02\x03binary", "application/octet-stream", "not a PDF, an image or plain text"),
    ]
    for data, content_type, words in cases:
        response = await _upload(client, referral["id"], data, content_type)
        assert response.status_code == 422, response.text
        assert words in response.json()["detail"]
        assert response.json()["errors"][0]["field"] == "body.file"
    bad_kind = await _upload(client, referral["id"], PDF, kind="x_ray")
    assert bad_kind.status_code == 422 and bad_kind.json()["errors"][0]["field"] == "body.kind"
    assert (await client.get(f"/v1/referrals/{referral['id']}/documents")).json() == []
    assert not [p for p in local_storage.rglob("*") if p.is_file()]
    assert (await _upload(client, referral["id"], PNG, "image/png")).status_code == 201
    assert (await _upload(client, referral["id"], b"Plain note\n", "text/plain; charset=utf-8")).status_code == 201


async def test_a_document_over_the_limit_is_413(client, local_storage, monkeypatch):
    monkeypatch.setattr(document_settings(), "max_bytes", 1000)
    referral = await _referral(client)
    response = await _upload(client, referral["id"], PDF + b"0" * 2000)
    assert response.status_code == 413
    assert "limit is 1,000 bytes" in response.json()["detail"]
    assert (await client.get(f"/v1/referrals/{referral['id']}/documents")).json() == []


async def test_documents_of_an_unknown_referral_are_404(client, local_storage):
    missing = "01890000-0000-7000-8000-000000000000"
    assert (await _upload(client, missing, PDF)).status_code == 404
    assert (await client.get(f"/v1/referrals/{missing}/documents")).status_code == 404


async def test_the_required_document_arriving_brings_the_referral_back_to_received(client, local_storage):
    rule = {"items": [{"document": "insurance_card"}]}
    assert (await client.put("/v1/completeness-rules/cardiology", json=rule)).status_code == 200
    referral = await _referral(client)
    assert referral["status"] == "needs_info"
    await _upload(client, referral["id"], PDF, kind="clinical_note")
    assert (await client.get(f"/v1/referrals/{referral['id']}")).json()["status"] == "needs_info"
    await _upload(client, referral["id"], PNG, "image/png", kind="insurance_card", title="Card")
    back = (await client.get(f"/v1/referrals/{referral['id']}")).json()
    assert back["status"] == "received" and back["info_request"] is None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def s3_server(monkeypatch):
    """moto's S3-compatible server in its own process, reached over HTTP like any S3 store."""
    import boto3
    import httpx

    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(endpoint, timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        settings = document_settings()
        for name, value in (
            ("s3_bucket", "refloop-documents"),
            ("s3_endpoint_url", endpoint),
            ("s3_access_key_id", "test"),
            ("s3_secret_access_key", "test"),
            ("s3_prefix", "t/"),
        ):
            monkeypatch.setattr(settings, name, value)
        client = boto3.client(
            "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
        )
        client.create_bucket(Bucket="refloop-documents")
        storage_module.get_storage.cache_clear()
        yield client
    finally:
        storage_module.get_storage.cache_clear()
        proc.terminate()
        proc.wait(timeout=10)


async def test_documents_go_to_an_s3_compatible_store_when_configured(client, s3_server):
    assert isinstance(storage_module.get_storage(), storage_module.S3Storage)
    referral = await _referral(client)
    document = (await _upload(client, referral["id"], PDF)).json()
    objects = s3_server.list_objects_v2(Bucket="refloop-documents")["Contents"]
    assert [o["Key"] for o in objects] == [f"t/referrals/{referral['id']}/{document['id']}"]
    body = s3_server.get_object(Bucket="refloop-documents", Key=objects[0]["Key"])["Body"].read()
    assert b"%PDF" not in body
    download = await client.get(f"/v1/referrals/{referral['id']}/documents/{document['id']}/content")
    assert download.content == PDF


def _bundle(attachment: dict, *, identifier: str) -> dict:
    from tests.fhir_examples import service_request

    sr = service_request(
        identifier=[{"system": "urn:ehr:orders", "value": identifier}],
        supportingInfo=[{"reference": "urn:uuid:6f1e9a42-0000-4000-8000-000000000001"}],
    )
    doc = {
        "resourceType": "DocumentReference",
        "status": "current",
        "type": {"coding": [{"system": "http://loinc.org", "code": "64290-0"}], "text": "Insurance card"},
        "content": [{"attachment": attachment}],
    }
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:6f1e9a42-0000-4000-8000-000000000001",
                "resource": doc,
                "request": {"method": "POST", "url": "DocumentReference"},
            },
            {
                "fullUrl": "urn:uuid:6f1e9a42-0000-4000-8000-000000000002",
                "resource": sr,
                "request": {"method": "POST", "url": "ServiceRequest"},
            },
        ],
    }


async def test_a_document_reference_in_a_transaction_becomes_a_document_of_the_referral(client, local_storage):
    from tests.fhir_examples import FHIR_JSON

    attachment = {"contentType": "image/png", "data": base64.b64encode(PNG).decode(), "title": "Card front"}
    response = await client.post("/fhir/R4", json=_bundle(attachment, identifier="DOC-1"), headers=FHIR_JSON)
    assert response.status_code == 200, response.text
    referral_id = next(
        e["resource"]["id"]
        for e in response.json()["entry"]
        if e.get("resource", {}).get("resourceType") == "ServiceRequest"
    )
    listed = (await client.get(f"/v1/referrals/{referral_id}/documents")).json()
    assert [(d["kind"], d["title"], d["content_type"], d["source"]) for d in listed] == [
        ("insurance_card", "Card front", "image/png", "fhir")
    ]
    content = await client.get(f"/v1/referrals/{referral_id}/documents/{listed[0]['id']}/content")
    assert content.content == PNG


async def test_a_mislabeled_attachment_undoes_the_whole_transaction(client, local_storage):
    from tests.fhir_examples import FHIR_JSON

    attachment = {"contentType": "application/pdf", "data": base64.b64encode(PNG).decode()}
    response = await client.post("/fhir/R4", json=_bundle(attachment, identifier="DOC-2"), headers=FHIR_JSON)
    assert response.status_code == 422, response.text
    issue = response.json()["issue"][0]
    assert "labelled application/pdf" in issue["diagnostics"]
    found = (await client.get("/fhir/R4/ServiceRequest", params={"identifier": "urn:ehr:orders|DOC-2"})).json()
    assert found.get("total", len(found.get("entry", []))) == 0
