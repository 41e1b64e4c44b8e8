"""Clinical documents on a referral: upload (multipart), list, download."""

import uuid
from typing import Annotated

from fastapi import File, Form, Response, UploadFile, status

from api.deps import CurrentPrincipal, Session
from api.errors import problem_responses
from api.prefixed import PrefixedRouter
from domain.journey import documents as service
from domain.journey.document_settings import document_settings
from domain.journey.schemas import Document, DocumentKind
from integrations.storage import get_storage

router = PrefixedRouter(prefix="/referrals/{referral_id}/documents", tags=["documents"])


@router.post(
    "",
    response_model=Document,
    status_code=status.HTTP_201_CREATED,
    summary="Attach a document (PDF, image or plain text)",
    description="The type is read from the bytes and must match the part's Content-Type. "
    "Larger than the limit (20 MB unless DOCUMENTS_MAX_BYTES says otherwise) is a 413.",
    responses=problem_responses(401, 403, 404, 413, 422),
)
async def upload_document(
    referral_id: uuid.UUID,
    session: Session,
    principal: CurrentPrincipal,
    file: Annotated[UploadFile, File(description="The document.")],
    kind: Annotated[DocumentKind, Form()],
    title: Annotated[str, Form(min_length=1, max_length=200)],
):
    limit = document_settings().max_bytes
    # One byte past the limit is enough to know it is too large.
    data = await file.read(limit + 1)
    return await service.add_document(
        session,
        storage=get_storage(),
        referral_id=referral_id,
        kind=kind,
        title=title.strip(),
        data=data,
        declared_type=file.content_type,
        actor=principal.actor,
    )


@router.get("", response_model=list[Document], responses=problem_responses(401, 403, 404))
async def list_documents(referral_id: uuid.UUID, session: Session):
    return await service.list_documents(session, referral_id=referral_id)


@router.get(
    "/{document_id}/content",
    summary="Download a document (audited)",
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The document's bytes"},
        **problem_responses(401, 403, 404),
    },
)
async def download_document(referral_id: uuid.UUID, document_id: uuid.UUID, session: Session) -> Response:
    document, data = await service.read_document(
        session, storage=get_storage(), referral_id=referral_id, document_id=document_id
    )
    return Response(
        content=data,
        media_type=document.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="document-{document.id}"',
            "Cache-Control": "no-store",
        },
    )
