"""Administration: temporary passwords that must be changed, and the development mail catcher's store.

Revision ID: admin
Revises: search_work
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "admin"
down_revision: str | None = "search_work"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("password_change_required", sa.Boolean(), server_default="false",
                                     nullable=False))
    op.create_table(
        "captured_mails",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mail_from", sa.String(length=500), nullable=False),
        sa.Column("rcpt_to", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("subject", sa.String(length=1000), nullable=False),
        sa.Column("message_id", sa.String(length=500), nullable=True),
        sa.Column("headers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_captured_mails")),
    )
    op.create_index("ix_captured_mails_received_at_id", "captured_mails", ["received_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_captured_mails_received_at_id", table_name="captured_mails")
    op.drop_table("captured_mails")
    op.drop_column("users", "password_change_required")
