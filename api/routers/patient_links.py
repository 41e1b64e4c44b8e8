"""The patient's side of an appointment message: no sign-in, the link's token is the credential.

The token sits in the path, as the page's own URL does; logs name the route template, never the
path, and the audit trail keeps no path parameter called `token` (api/auth/guard.py).
"""

from typing import Annotated

from fastapi import Path, Request

from api.deps import CurrentPrincipal, Session
from api.errors import problem_responses
from api.prefixed import PrefixedRouter
from domain.patient_links import preparation, service
from domain.patient_links.schemas import (
    CancelRequest,
    LinkActionDone,
    PatientLinkView,
    Preparation,
    PreparationSave,
    QuestionRequest,
)

router = PrefixedRouter(prefix="/patient-links", tags=["patient-links"])
preparation_router = PrefixedRouter(prefix="/preparation-instructions", tags=["preparation-instructions"])

# token_urlsafe(32) is 43 characters; anything far from that is no link of ours.
Token = Annotated[str, Path(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]
ServiceLine = Annotated[str, Path(min_length=1, max_length=100)]
LINK_ERRORS = problem_responses(404, 422, 429)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get(
    "/{token}",
    response_model=PatientLinkView,
    responses=LINK_ERRORS,
    summary="What a patient's appointment link shows: first name, the appointment, the practice",
)
async def open_patient_link(token: Token, session: Session, request: Request) -> PatientLinkView:
    return await service.show(session, token=token, client=_client(request))


@router.post(
    "/{token}/confirm",
    response_model=PatientLinkView,
    responses=LINK_ERRORS,
    summary="The patient confirms they will come (again: no change)",
)
async def confirm_patient_link(token: Token, session: Session, request: Request) -> PatientLinkView:
    return await service.confirm(session, token=token, client=_client(request))


@router.post(
    "/{token}/cancel",
    response_model=LinkActionDone,
    responses=problem_responses(404, 409, 422, 429),
    summary="The patient cancels, with a reason: the appointment and referral move as on an EHR cancel; "
    "every link of the appointment stops working",
)
async def cancel_patient_link(token: Token, body: CancelRequest, session: Session, request: Request) -> LinkActionDone:
    return LinkActionDone(at=await service.cancel(session, token=token, client=_client(request), reason=body.reason))


@router.post(
    "/{token}/question",
    response_model=LinkActionDone,
    responses=LINK_ERRORS,
    summary="The patient asks a question: it opens a task for the referral's coordinator",
)
async def ask_patient_link(token: Token, body: QuestionRequest, session: Session, request: Request) -> LinkActionDone:
    return LinkActionDone(at=await service.ask(session, token=token, client=_client(request), question=body.question))


@preparation_router.get(
    "",
    response_model=list[Preparation],
    responses=problem_responses(401, 403),
    summary="Preparation instructions per service line, shown on patients' appointment pages",
)
async def list_preparation_instructions(session: Session, principal: CurrentPrincipal) -> list[Preparation]:
    return [Preparation.model_validate(p) for p in await preparation.list_all(session)]


@preparation_router.put(
    "/{service_line}",
    response_model=Preparation,
    responses=problem_responses(401, 403, 422),
    summary="Set the preparation instructions of a service line",
)
async def save_preparation_instructions(
    service_line: ServiceLine, body: PreparationSave, session: Session, principal: CurrentPrincipal
) -> Preparation:
    saved = await preparation.save(session, service_line=service_line, text=body.text, actor=principal.actor)
    return Preparation.model_validate(saved)


@preparation_router.delete(
    "/{service_line}",
    status_code=204,
    responses=problem_responses(401, 403, 404),
    summary="Remove a service line's preparation instructions",
)
async def delete_preparation_instructions(
    service_line: ServiceLine, session: Session, principal: CurrentPrincipal
) -> None:
    await preparation.remove(session, service_line=service_line)
