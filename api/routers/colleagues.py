from api.deps import CurrentPrincipal, Session
from api.errors import problem_responses
from api.prefixed import PrefixedRouter
from domain.identity import colleagues
from domain.identity.colleagues import Colleagues

# Its own path, not `/users/assignable`: under `/users/{user_id}` other methods would read it as a user id.
router = PrefixedRouter(prefix="/colleagues", tags=["users"])


@router.get(
    "",
    response_model=Colleagues,
    summary="Colleagues and queues a referral or task can go to",
    responses=problem_responses(401, 403),
)
async def list_assignable_users(session: Session, principal: CurrentPrincipal) -> Colleagues:
    return await colleagues.assignable(session)
