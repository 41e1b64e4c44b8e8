"""directory_duplicates: merge history (for undo) and pairs marked "not a duplicate"

Revision ID: directory_duplicates
Revises: practice_reports
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "directory_duplicates"
down_revision: str | None = "directory_import"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "provider_merges",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("merged_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("survivor_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("merged_by", sa.String(200), nullable=False),
        sa.Column("before", postgresql.JSONB(), nullable=False),
        sa.Column("after", postgresql.JSONB(), nullable=False),
        sa.Column("moved", postgresql.JSONB(), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_merges")),
        sa.ForeignKeyConstraint(["merged_id"], ["providers.id"], name=op.f("fk_provider_merges_merged_id_providers")),
        sa.ForeignKeyConstraint(["survivor_id"], ["providers.id"],
                                name=op.f("fk_provider_merges_survivor_id_providers")),
    )
    op.create_index(op.f("ix_provider_merges_merged_id"), "provider_merges", ["merged_id"])
    op.create_index(op.f("ix_provider_merges_survivor_id"), "provider_merges", ["survivor_id"])
    op.create_index(op.f("ix_provider_merges_merged_at"), "provider_merges", ["merged_at"])
    op.create_table(
        "provider_dismissed_duplicates",
        sa.Column("first_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("second_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("dismissed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dismissed_by", sa.String(200), nullable=False),
        sa.CheckConstraint("first_id < second_id", name=op.f("ck_provider_dismissed_duplicates_ordered")),
        sa.PrimaryKeyConstraint("first_id", "second_id", name=op.f("pk_provider_dismissed_duplicates")),
        sa.ForeignKeyConstraint(["first_id"], ["providers.id"], ondelete="CASCADE",
                                name=op.f("fk_provider_dismissed_duplicates_first_id_providers")),
        sa.ForeignKeyConstraint(["second_id"], ["providers.id"], ondelete="CASCADE",
                                name=op.f("fk_provider_dismissed_duplicates_second_id_providers")),
    )


def downgrade() -> None:
    op.drop_table("provider_dismissed_duplicates")
    op.drop_table("provider_merges")
