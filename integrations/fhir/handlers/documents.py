"""DocumentReference in a transaction or batch Bundle: its attachments become the referral's documents.

The referral is the ServiceRequest the DocumentReference names in `context.related`, or the one whose
`supportingInfo` points at it, or the Bundle's only ServiceRequest. An attachment carries its bytes in
`data`, or an http(s) `url` fetched here with the same size limit."""

import base64
import binascii
import uuid
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from domain.journey import documents
from domain.journey.document_settings import document_settings
from integrations.fhir.handlers import Result
from integrations.fhir.outcomes import Unprocessable, information
from integrations.fhir.resolver import BundleEntry, Resolver
from integrations.storage import get_storage

# LOINC document types (and words in type.text) -> our document kinds.
LOINC_KINDS = {
    "11488-4": "clinical_note",
    "34117-2": "clinical_note",
    "11506-3": "clinical_note",
    "18748-4": "imaging_report",
    "18782-3": "imaging_report",
    "11502-2": "lab_result",
    "57133-1": "referral_letter",
    "64290-0": "insurance_card",
    "48768-6": "insurance_card",
}
WORDS = (
    ("insurance", "insurance_card"),
    ("imaging", "imaging_report"),
    ("radiology", "imaging_report"),
    ("lab", "lab_result"),
    ("referral", "referral_letter"),
    ("note", "clinical_note"),
)


def document_kind(resource: dict[str, Any]) -> str:
    concept = resource.get("type") or {}
    for coding in concept.get("coding") or []:
        if coding.get("code") in LOINC_KINDS:
            return LOINC_KINDS[coding["code"]]
    text = " ".join([concept.get("text") or "", *[c.get("display") or "" for c in concept.get("coding") or []]]).lower()
    return next((kind for word, kind in WORDS if word in text), "other")


def _referral_id(
    entry: BundleEntry, resource: dict[str, Any], resolver: Resolver, bundle: list[BundleEntry]
) -> uuid.UUID:
    for related in (resource.get("context") or {}).get("related") or []:
        target = resolver.entry(related.get("reference"))
        if target and target.location and target.location[0] == "ServiceRequest":
            return uuid.UUID(target.location[1])
        ref = related.get("reference") or ""
        if ref.startswith("ServiceRequest/"):
            return uuid.UUID(ref.split("/", 1)[1])
    mine = set(entry.keys())
    referrals = [(e, e.location[1]) for e in bundle if e.location and e.location[0] == "ServiceRequest"]
    for other, other_id in referrals:
        if any(
            (info.get("reference") in mine) or (resolver.entry(info.get("reference")) is entry)
            for info in other.resource.get("supportingInfo") or []
        ):
            return uuid.UUID(other_id)
    if len(referrals) == 1:
        return uuid.UUID(referrals[0][1])
    raise Unprocessable(
        "A DocumentReference here must name its referral: context.related pointing at the "
        "ServiceRequest, or the ServiceRequest's supportingInfo pointing at it.",
        expression=f"{entry.path}.context.related",
        code="required",
    )


async def _fetch(url: str, where: str) -> bytes:
    limit = document_settings().max_bytes
    if not url.startswith(("http://", "https://")):
        raise Unprocessable("attachment.url must be an http(s) URL this server can fetch.", expression=where)
    try:
        async with (
            httpx.AsyncClient(timeout=10, follow_redirects=False) as http,
            http.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise Unprocessable(f"attachment.url answered {response.status_code}.", expression=where)
            data = b""
            async for chunk in response.aiter_bytes():
                data += chunk
                if len(data) > limit:
                    break
            return data
    except httpx.HTTPError as exc:
        raise Unprocessable(f"attachment.url could not be fetched ({type(exc).__name__}).", expression=where) from exc


async def create(
    session: AsyncSession,
    *,
    entry: BundleEntry,
    resource: dict[str, Any],
    resolver: Resolver,
    bundle: list[BundleEntry],
    actor: str,
) -> Result:
    referral_id = _referral_id(entry, resource, resolver, bundle)
    kind = document_kind(resource)
    contents = resource.get("content") or []
    if not contents:
        raise Unprocessable(
            "A DocumentReference needs content with an attachment.", expression=f"{entry.path}.content", code="required"
        )
    created = []
    for i, content in enumerate(contents):
        attachment = content.get("attachment") or {}
        where = f"{entry.path}.content[{i}].attachment"
        if attachment.get("data"):
            try:
                data = base64.b64decode(attachment["data"], validate=True)
            except (binascii.Error, ValueError) as exc:
                raise Unprocessable("attachment.data is not base64.", expression=f"{where}.data") from exc
        elif attachment.get("url"):
            data = await _fetch(attachment["url"], f"{where}.url")
        else:
            raise Unprocessable("An attachment needs data or url.", expression=where, code="required")
        title = (
            attachment.get("title")
            or resource.get("description")
            or (resource.get("type") or {}).get("text")
            or "Document"
        )[:200]
        document = await documents.add_document(
            session,
            storage=get_storage(),
            referral_id=referral_id,
            kind=kind,
            title=title,
            data=data,
            declared_type=attachment.get("contentType"),
            actor=actor,
            source="fhir",
            field=where,
        )
        created.append(str(document.id))
    return Result(
        201,
        information(
            f"DocumentReference stored as {len(created)} document(s) of referral {referral_id}: " + ", ".join(created)
        ),
    )
