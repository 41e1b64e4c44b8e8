"""practice_reports: a practice's preferred contact method and its opt-out from the monthly report

Revision ID: practice_reports
Revises: invitations
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "practice_reports"
down_revision: str | None = "invitations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONTACT_METHODS = ("email", "phone", "fax", "direct", "portal", "fhir", "sms")


def upgrade() -> None:
    op.add_column("organizations", sa.Column(
        "preferred_contact_method",
        sa.Enum(*CONTACT_METHODS, name="contactmethod", native_enum=False, create_constraint=True, length=32),
        nullable=True))
    op.add_column("organizations", sa.Column("monthly_report_opt_out", sa.Boolean(), server_default="false",
                                             nullable=False))


def downgrade() -> None:
    op.drop_column("organizations", "monthly_report_opt_out")
    op.drop_column("organizations", "preferred_contact_method")
