"""directory_import: provider addresses and verification, and the provider import jobs

Revision ID: directory_import
Revises: practice_reports
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "directory_import"
down_revision: str | None = "practice_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("providers", sa.Column("address", postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.add_column("providers", sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("providers", sa.Column("import_fingerprint", sa.String(length=64), nullable=True))
    op.create_table(
        "provider_imports",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=True),
        sa.Column("file_hash", sa.String(length=64), nullable=False),
        sa.Column("imported_by", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("counts", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("report", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_provider_imports_file_hash"), "provider_imports", ["file_hash"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_provider_imports_file_hash"), table_name="provider_imports")
    op.drop_table("provider_imports")
    op.drop_column("providers", "import_fingerprint")
    op.drop_column("providers", "verified_at")
    op.drop_column("providers", "address")
