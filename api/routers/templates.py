from api.deps import CurrentPrincipal, Session
from api.errors import problem_responses
from api.prefixed import PrefixedRouter
from domain.outreach import render, service
from domain.outreach.kinds import Channel, MessageKind
from domain.outreach.schemas import Preview, PreviewRequest, Template, TemplateSave

router = PrefixedRouter(prefix="/templates", tags=["templates"])


@router.get("", response_model=list[Template], responses=problem_responses(401, 403))
async def list_templates(session: Session, principal: CurrentPrincipal) -> list[Template]:
    return await service.list_templates(session)


@router.get("/{kind}/{channel}", response_model=Template, responses=problem_responses(401, 403, 422))
async def get_template(kind: MessageKind, channel: Channel, session: Session, principal: CurrentPrincipal) -> Template:
    return await service.get_template(session, kind=kind, channel=channel)


@router.post(
    "",
    response_model=Template,
    responses=problem_responses(401, 403, 422),
    description="Replace the wording of one kind on one channel. A template that would not render "
    "(syntax error, unknown variable, anything the sandbox forbids) is refused with 422.",
)
async def save_template(body: TemplateSave, session: Session, principal: CurrentPrincipal) -> Template:
    return await service.save_template(session, data=body)


@router.delete("/{kind}/{channel}", response_model=Template, responses=problem_responses(401, 403, 422))
async def reset_template(
    kind: MessageKind, channel: Channel, session: Session, principal: CurrentPrincipal
) -> Template:
    return await service.reset_template(session, kind=kind, channel=channel)


@router.post(
    "/preview",
    response_model=Preview,
    responses=problem_responses(401, 403, 422),
    description="Render a template against sample values, without saving it.",
)
async def preview_template(body: PreviewRequest, principal: CurrentPrincipal) -> Preview:
    rendered = service.check_template(body)
    return Preview(subject=rendered.subject, body=rendered.body, variables=render.sample_context(body.kind))
