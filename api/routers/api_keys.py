import uuid

from fastapi import Response, status

from api.deps import CurrentPrincipal, Paging, Session
from api.errors import problem_responses
from api.prefixed import PrefixedRouter
from domain.identity import api_keys as service
from domain.identity import models
from domain.identity.schemas import ApiKey, ApiKeyCreate, ApiKeyCreated
from domain.shared.schemas import Page

router = PrefixedRouter(prefix="/api-keys", tags=["api-keys"])


@router.post(
    "",
    response_model=ApiKeyCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Issue a partner API key (the key is in this answer only)",
    responses=problem_responses(422),
)
async def create_api_key(
    body: ApiKeyCreate, session: Session, principal: CurrentPrincipal, response: Response
) -> ApiKeyCreated:
    issued = await service.create_api_key(session, data=body, actor=principal.actor)
    response.headers["Location"] = f"/v1/api-keys/{issued.key.id}"
    return ApiKeyCreated.model_validate({**ApiKey.model_validate(issued.key).model_dump(), "key": issued.secret})


@router.get("", response_model=Page[ApiKey], responses=problem_responses(422))
async def list_api_keys(
    session: Session, principal: CurrentPrincipal, paging: Paging, organization_id: uuid.UUID | None = None
) -> Page[ApiKey]:
    items, next_cursor = await service.list_api_keys(
        session, organization_id=organization_id, limit=paging.limit, cursor=paging.cursor
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get("/{key_id}", response_model=ApiKey, responses=problem_responses(404))
async def get_api_key(key_id: uuid.UUID, session: Session, principal: CurrentPrincipal) -> models.ApiKey:
    return await service.get_api_key(session, key_id=key_id)


@router.post(
    "/{key_id}/revoke",
    response_model=ApiKey,
    summary="Revoke a key: it stops working at once",
    responses=problem_responses(404),
)
async def revoke_api_key(key_id: uuid.UUID, session: Session, principal: CurrentPrincipal) -> models.ApiKey:
    return await service.revoke_api_key(session, key_id=key_id, actor=principal.actor)
