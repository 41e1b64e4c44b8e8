"""Search indexes for referrals (folded surname, surname + birth date, phone, short reference)
and the needs-info checklist on timeline events.

The index columns are keyed hashes computed by the app with its blind-index key, so this
migration only adds them empty; `refloop migrate` then runs `refloop reindex`, which fills
them for existing rows (domain/referrals/reindex.py).

Revision ID: search_work
Revises: audit_append_only
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "search_work"
down_revision: str | None = "audit_append_only"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = ("patient_surname_index", "patient_surname_dob_index", "patient_phone_index")


def upgrade() -> None:
    for column in INDEXES:
        op.add_column("referrals", sa.Column(column, sa.String(length=64), nullable=True))
        op.create_index(f"ix_referrals_{column}", "referrals", [column], unique=False)
    # The short reference messages show (R- and the id's last 8 hex digits) finds its referral.
    op.add_column("referrals", sa.Column("reference_key", sa.String(length=8),
                                         sa.Computed("right((id)::text, 8)", persisted=True), nullable=True))
    op.create_index("ix_referrals_reference_key", "referrals", ["reference_key"], unique=False)
    op.add_column("referral_events", sa.Column("missing_items", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("referral_events", "missing_items")
    op.drop_index("ix_referrals_reference_key", table_name="referrals")
    op.drop_column("referrals", "reference_key")
    for column in reversed(INDEXES):
        op.drop_index(f"ix_referrals_{column}", table_name="referrals")
        op.drop_column("referrals", column)
