"""list_index: the worklist's most common filter, status and service line together, read in page order

`GET /v1/referrals?status=received&service_line=cardiology` walked the (status, received_at) index
and dropped the other service lines' rows one by one (about 1,500 rows for a 50-row page on 1M
referrals); this index reads the page's rows and no others.

Revision ID: list_index
Revises: dir_queue
Create Date: 2026-12-04 23:20:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "list_index"
down_revision: str | None = "dir_queue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_referrals_status_service_line_received",
        "referrals",
        ["status", "service_line", "received_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_referrals_status_service_line_received", table_name="referrals")
