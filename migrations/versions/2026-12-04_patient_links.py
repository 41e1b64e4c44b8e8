"""patient_links: one-time appointment links for patients, and preparation instructions per service line

Revision ID: patient_links
Revises: practice_reports
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision: str = "patient_links"
down_revision: str | None = "directory_duplicates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "patient_links",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("appointment_id", UUID(as_uuid=True), sa.ForeignKey("appointments.id", name=op.f("fk_patient_links_appointment_id_appointments")),
                  nullable=False),
        sa.Column("referral_id", UUID(as_uuid=True), sa.ForeignKey("referrals.id", name=op.f("fk_patient_links_referral_id_referrals")),
                  nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("message_id", UUID(as_uuid=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_patient_links_token_hash")),
    )
    op.create_index(op.f("ix_patient_links_appointment_id"), "patient_links", ["appointment_id"])
    op.create_index(op.f("ix_patient_links_message_id"), "patient_links", ["message_id"])
    op.create_table(
        "preparation_instructions",
        sa.Column("service_line", sa.String(100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(120), nullable=False),
        sa.PrimaryKeyConstraint("service_line", name=op.f("pk_preparation_instructions")),
    )


def downgrade() -> None:
    op.drop_table("preparation_instructions")
    op.drop_index("ix_patient_links_message_id", table_name="patient_links")
    op.drop_index("ix_patient_links_appointment_id", table_name="patient_links")
    op.drop_table("patient_links")
