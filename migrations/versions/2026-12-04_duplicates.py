"""Duplicate referrals across channels: the flag and merge marker on referrals, the pairs staff decide
on, the policy row, and `duplicate` events on the timeline.

Revision ID: duplicates
Revises: fhir_push_auth
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "duplicates"
down_revision: str | None = "fhir_push_auth"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The analytics facts (migration 2026-11-23_analytics_facts) leave merged referrals out: a duplicate folded
# into another is not a second referral in any figure. The sync function is the same plus that one test.
FACT_COLUMNS = [c.strip() for c in (
    "received_at, referring_provider_id, referring_organization_id, service_line, location_preference, "
    "payer_class, source_channel, urgency, status, status_reason, first_contact_at, completed_at, closed_at"
).split(",")]


def _sync_function(skip_merged: bool) -> str:
    merged = """
    IF NEW.merged_into_id IS NOT NULL THEN
        DELETE FROM analytics_referral_facts WHERE referral_id = NEW.id;
        RETURN NULL;
    END IF;""" if skip_merged else ""
    return f"""
CREATE OR REPLACE FUNCTION analytics_sync_referral() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{merged}
    INSERT INTO analytics_referral_facts (referral_id, {", ".join(FACT_COLUMNS)})
    VALUES (NEW.id, {", ".join("NEW." + c for c in FACT_COLUMNS)})
    ON CONFLICT (referral_id) DO UPDATE SET
        {", ".join(f"{c} = EXCLUDED.{c}" for c in FACT_COLUMNS)};
    RETURN NULL;
END $$
"""


def _sync_trigger(columns: list[str]) -> None:
    op.execute("DROP TRIGGER IF EXISTS analytics_referral_facts_sync ON referrals")
    op.execute(f"""
CREATE TRIGGER analytics_referral_facts_sync
    AFTER INSERT OR UPDATE OF {", ".join(columns)} ON referrals
    FOR EACH ROW EXECUTE FUNCTION analytics_sync_referral()
""")


KINDS = ["created", "transition", "updated", "assigned", "appointment", "contact_attempt", "note", "task", "message"]


def _event_kinds(kinds: list[str]) -> None:
    op.drop_constraint(op.f("ck_referral_events_eventkind"), "referral_events", type_="check")
    listed = ", ".join(f"'{k}'" for k in kinds)
    op.create_check_constraint(op.f("ck_referral_events_eventkind"), "referral_events", f"kind IN ({listed})")


def upgrade() -> None:
    op.add_column("referrals", sa.Column("possible_duplicate", sa.Boolean(), server_default="false", nullable=False))
    op.add_column("referrals", sa.Column("duplicate_reason", sa.String(length=300), nullable=True))
    op.add_column("referrals", sa.Column("merged_into_id", sa.UUID(), nullable=True))
    op.add_column("referrals", sa.Column("merged_at", sa.DateTime(timezone=True), nullable=True))
    op.create_foreign_key(op.f("fk_referrals_merged_into_id_referrals"), "referrals", "referrals",
                          ["merged_into_id"], ["id"])
    op.create_index(op.f("ix_referrals_merged_into_id"), "referrals", ["merged_into_id"], unique=False)
    op.create_index("ix_referrals_possible_duplicate", "referrals", ["received_at", "id"], unique=False,
                    postgresql_where="possible_duplicate")
    op.create_table(
        "referral_duplicates",
        sa.Column("first_id", sa.UUID(), nullable=False),
        sa.Column("second_id", sa.UUID(), nullable=False),
        sa.Column("matched", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.CheckConstraint("first_id < second_id", name=op.f("ck_referral_duplicates_ordered")),
        sa.CheckConstraint("status IN ('open', 'linked', 'dismissed', 'merged')",
                           name=op.f("ck_referral_duplicates_status")),
        sa.ForeignKeyConstraint(["first_id"], ["referrals.id"], name=op.f("fk_referral_duplicates_first_id_referrals")),
        sa.ForeignKeyConstraint(["second_id"], ["referrals.id"],
                                name=op.f("fk_referral_duplicates_second_id_referrals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_duplicates")),
        sa.UniqueConstraint("first_id", "second_id", name=op.f("uq_referral_duplicates_first_id_second_id")),
    )
    op.create_index(op.f("ix_referral_duplicates_second_id"), "referral_duplicates", ["second_id"], unique=False)
    op.create_table(
        "duplicate_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("same_channel", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_settings")),
    )
    _event_kinds([*KINDS, "duplicate"])
    op.execute(_sync_function(skip_merged=True))
    _sync_trigger([*FACT_COLUMNS, "merged_into_id"])


def downgrade() -> None:
    _sync_trigger(FACT_COLUMNS)
    op.execute(_sync_function(skip_merged=False))
    op.execute("INSERT INTO analytics_referral_facts (referral_id, " + ", ".join(FACT_COLUMNS) + ") SELECT id, "
               + ", ".join(FACT_COLUMNS) + " FROM referrals WHERE merged_into_id IS NOT NULL ON CONFLICT DO NOTHING")
    op.execute("DELETE FROM referral_events WHERE kind = 'duplicate'")
    _event_kinds(KINDS)
    op.drop_table("duplicate_settings")
    op.drop_index(op.f("ix_referral_duplicates_second_id"), table_name="referral_duplicates")
    op.drop_table("referral_duplicates")
    op.drop_index("ix_referrals_possible_duplicate", table_name="referrals", postgresql_where="possible_duplicate")
    op.drop_index(op.f("ix_referrals_merged_into_id"), table_name="referrals")
    op.drop_constraint(op.f("fk_referrals_merged_into_id_referrals"), "referrals", type_="foreignkey")
    op.drop_column("referrals", "merged_at")
    op.drop_column("referrals", "merged_into_id")
    op.drop_column("referrals", "duplicate_reason")
    op.drop_column("referrals", "possible_duplicate")
