import uuid

from fastapi import Response, status

from api.deps import CurrentPrincipal, Paging, Session
from api.errors import problem_responses
from api.prefixed import PrefixedRouter
from domain.identity import models
from domain.identity import smart as service
from domain.identity.schemas import EhrClient, EhrClientCreate, EhrClientUpdate
from domain.shared.schemas import Page
from integrations.fhir.jwks_url import fetch_jwks

router = PrefixedRouter(prefix="/ehr-clients", tags=["ehr-clients"])


@router.post(
    "",
    response_model=EhrClient,
    status_code=status.HTTP_201_CREATED,
    summary="Register an EHR for SMART Backend Services with its public key (PEM, JWKS, or a JWKS URL)",
    responses=problem_responses(409, 422),
)
async def register_ehr_client(
    body: EhrClientCreate, session: Session, principal: CurrentPrincipal, response: Response
) -> models.EhrClient:
    if body.jwks_url is not None:
        body = body.model_copy(update={"jwks": await fetch_jwks(str(body.jwks_url)), "jwks_url": None})
    client = await service.register_client(session, data=body, actor=principal.actor)
    response.headers["Location"] = f"/v1/ehr-clients/{client.id}"
    return client


@router.get("", response_model=Page[EhrClient], responses=problem_responses(422))
async def list_ehr_clients(session: Session, principal: CurrentPrincipal, paging: Paging) -> Page[EhrClient]:
    items, next_cursor = await service.list_clients(session, limit=paging.limit, cursor=paging.cursor)
    return Page(items=items, next_cursor=next_cursor)


@router.get("/{client_row_id}", response_model=EhrClient, responses=problem_responses(404))
async def get_ehr_client(client_row_id: uuid.UUID, session: Session, principal: CurrentPrincipal) -> models.EhrClient:
    return await service.get_client(session, client_row_id=client_row_id)


@router.patch(
    "/{client_row_id}",
    response_model=EhrClient,
    summary="Change scopes, keys or FHIR base URL; `active: false` stops its tokens at once",
    responses=problem_responses(404, 422),
)
async def update_ehr_client(
    client_row_id: uuid.UUID, body: EhrClientUpdate, session: Session, principal: CurrentPrincipal
) -> models.EhrClient:
    if body.jwks_url is not None:
        body = body.model_copy(update={"jwks": await fetch_jwks(str(body.jwks_url)), "jwks_url": None})
    return await service.update_client(session, client_row_id=client_row_id, data=body)
