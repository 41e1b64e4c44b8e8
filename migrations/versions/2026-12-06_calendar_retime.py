"""calendar retime: the version of its calendar each set of open clocks was timed by

An edited calendar's open clocks kept the due times they were stored with, while the referral's
page worked them out from the calendar as edited. business_calendars.clocks_timed_version says which
version the stored times follow; the minute's sweep retimes a calendar's open clocks when it trails.
Existing calendars start at 0, so their clocks are retimed once by the calendars as they are.

Revision ID: calendar_retime
Revises: analytics_packs
Create Date: 2026-12-06 18:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "calendar_retime"
down_revision: str | None = "analytics_packs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "business_calendars", sa.Column("clocks_timed_version", sa.Integer(), server_default="0", nullable=False)
    )


def downgrade() -> None:
    op.drop_column("business_calendars", "clocks_timed_version")
