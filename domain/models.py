"""Every context's tables on one MetaData, for alembic and the schema check."""

from domain.analytics import models as analytics  # noqa: F401
from domain.audit import models as audit  # noqa: F401
from domain.devmail import models as devmail  # noqa: F401
from domain.fhir import models as fhir  # noqa: F401
from domain.identity import models as identity  # noqa: F401
from domain.journey import models as journey  # noqa: F401
from domain.outreach import models as outreach  # noqa: F401
from domain.providers import models as providers  # noqa: F401
from domain.referrals import models as referrals  # noqa: F401
from domain.relationships import models as relationships  # noqa: F401
from domain.shared import (
    idempotency,  # noqa: F401
    outbox,  # noqa: F401
)
from domain.shared.db import Base
from domain.tasks import models as tasks  # noqa: F401

metadata = Base.metadata
