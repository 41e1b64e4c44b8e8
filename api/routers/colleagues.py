from fastapi import APIRouter

from api.deps import CurrentPrincipal, Session
from api.errors import problem_responses
from domain.identity import colleagues
from domain.identity.colleagues import Colleagues

# Tagged `users`; included before the users router so `/users/assignable` is not read as a user id.
router = APIRouter(prefix="/users", tags=["users"])


@router.get("/assignable", response_model=Colleagues, summary="Colleagues and queues a referral or task can go to",
            responses=problem_responses(401, 403))
async def list_assignable_users(session: Session, principal: CurrentPrincipal) -> Colleagues:
    return await colleagues.assignable(session)
