"""Clinical documents on a referral: checked, sealed, stored, listed, read back (audited).
Storage is passed in (integrations.storage): the domain does no I/O of its own."""

import hashlib
import uuid
from typing import Any

import filetype
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import trail as audit
from domain.journey import completeness
from domain.journey.document_settings import document_settings
from domain.journey.models import ReferralDocument
from domain.referrals.enums import EventKind
from domain.referrals.models import ReferralEvent
from domain.referrals.repository import ReferralRepository
from domain.shared.crypto import keyring
from domain.shared.errors import DomainError, InvalidInput, NotFound
from domain.shared.ids import uuid7

ACCEPTED = {
    "application/pdf": "PDF",
    "image/png": "PNG image",
    "image/jpeg": "JPEG image",
    "image/gif": "GIF image",
    "image/tiff": "TIFF image",
    "image/webp": "WebP image",
    "text/plain": "plain text",
}
ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg"}


class DocumentTooLarge(DomainError):
    status = 413
    title = "Document too large"
    slug = "document-too-large"

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            f"The document is {size:,} bytes; the limit is {limit:,} bytes ({limit / 1048576:g} MB).",
            errors=[{"field": "body.file", "message": f"larger than {limit:,} bytes"}],
        )


def sniff(data: bytes) -> str | None:
    """The type the bytes really are; text is UTF-8 without NUL bytes."""
    guessed: str | None = filetype.guess_mime(data)  # filetype has no type hints
    if guessed:
        return guessed
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text/plain" if "\x00" not in text else None


def checked_type(data: bytes, declared: str | None, *, field: str) -> str:
    """The content type to store: what the bytes are, which must be accepted and match the label."""
    if not data:
        raise InvalidInput("The file is empty (0 bytes).", field=field)
    actual = sniff(data)
    if actual not in ACCEPTED:
        raise InvalidInput(
            f"The file is not a PDF, an image or plain text (its bytes read as {actual or 'unknown'}).", field=field
        )
    label = (declared or "").split(";")[0].strip().lower()
    label = ALIASES.get(label, label)
    if label and label != "application/octet-stream" and label != actual:
        raise InvalidInput(
            f"The file is labelled {label} but its bytes are {ACCEPTED[actual]} ({actual}).", field=field
        )
    return actual


def _context(document_id: uuid.UUID) -> str:
    return f"referral_documents:{document_id}"


async def add_document(
    session: AsyncSession,
    *,
    storage: Any,
    referral_id: uuid.UUID,
    kind: str,
    title: str,
    data: bytes,
    declared_type: str | None,
    actor: str,
    source: str = "upload",
    field: str = "body.file",
) -> ReferralDocument:
    referral = await ReferralRepository(session).get(referral_id, for_update=True)
    limit = document_settings().max_bytes
    if len(data) > limit:
        raise DocumentTooLarge(len(data), limit)
    content_type = checked_type(data, declared_type, field=field)
    document_id = uuid7()
    key = f"referrals/{referral_id}/{document_id}"
    # Sealed before it leaves the process: the store only ever holds ciphertext.
    await storage.put(key, keyring().seal(data, _context(document_id)).encode())
    document = ReferralDocument(
        id=document_id,
        referral_id=referral_id,
        kind=kind,
        title=title,
        content_type=content_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=key,
        source=source,
        created_by=actor,
    )
    session.add(document)
    session.add(
        ReferralEvent(
            referral_id=referral_id,
            actor=actor,
            kind=EventKind.note,
            detail={"document_id": str(document_id), "document_kind": kind},
        )
    )
    await session.flush()
    audit.note(session, "document.create", "document", document_id, referral_id=str(referral_id))
    await completeness.recheck(session, referral, trigger="document")
    return document


async def list_documents(session: AsyncSession, *, referral_id: uuid.UUID) -> list[ReferralDocument]:
    await ReferralRepository(session).get(referral_id)
    stmt = (
        select(ReferralDocument)
        .where(ReferralDocument.referral_id == referral_id)
        .order_by(ReferralDocument.created_at)
    )
    documents = list((await session.execute(stmt)).scalars())
    audit.note(session, "document.list", "referral", referral_id)
    return documents


async def read_document(
    session: AsyncSession, *, storage: Any, referral_id: uuid.UUID, document_id: uuid.UUID
) -> tuple[ReferralDocument, bytes]:
    await ReferralRepository(session).get(referral_id)
    document = await session.get(ReferralDocument, document_id)
    if document is None or document.referral_id != referral_id:
        raise NotFound("Document", document_id)
    sealed = await storage.get(document.storage_key)
    audit.note(session, "document.download", "document", document_id, referral_id=str(referral_id))
    return document, keyring().open(sealed.decode(), _context(document_id))
