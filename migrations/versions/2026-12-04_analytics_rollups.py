"""analytics rollups: per-day sums of the summary's additive figures, kept by a trigger on the facts

Every insert, update and delete of an analytics_referral_facts row appends signed delta rows: -1
for what the fact was, +1 for what it is, once for all referrals and once per filter value it
carries. Nothing is updated in place, so writers never queue on a shared counter;
analytics_rollup_compact() folds the deltas into one row per key. The backfill sums the facts
already there.

Revision ID: analytics_rollups
Revises: portal
Create Date: 2026-12-04 20:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "analytics_rollups"
down_revision: str | None = "portal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The single filters a rollup row can answer; provider and organization stay on the facts.
DIMENSIONS = ("service_line", "location_preference", "payer_class", "source_channel", "urgency")
COUNTERS = "referrals, completed, closed, noshows, fulfilled"
ROLLUP_COLUMNS = f"dimension, value, day, status, status_reason, {COUNTERS}"
REFERRER_COLUMNS = "dimension, value, day, referring_provider_id, referrals, completed"


def _day(f: str) -> str:
    """received_at's UTC calendar day, whatever the session's time zone."""
    return f"({f}.received_at AT TIME ZONE 'UTC')::date"


def _dimensions(f: str) -> str:
    pairs = ", ".join(f"('{d}', {f}.{d})" for d in DIMENSIONS)
    return f"(VALUES ('all', ''), {pairs}) AS d(dimension, value)"


APPLY = f"""
CREATE FUNCTION analytics_rollup_apply(f analytics_referral_facts, sign int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO analytics_daily_rollup ({ROLLUP_COLUMNS})
    SELECT d.dimension, d.value, {_day("f")}, f.status, f.status_reason, sign,
           sign * (f.completed_at IS NOT NULL)::int, sign * (f.closed_at IS NOT NULL)::int,
           sign * f.noshow_appointments, sign * f.fulfilled_appointments
    FROM {_dimensions("f")}
    WHERE d.value IS NOT NULL;
    IF f.referring_provider_id IS NOT NULL THEN
        INSERT INTO analytics_daily_referrers ({REFERRER_COLUMNS})
        SELECT d.dimension, d.value, {_day("f")}, f.referring_provider_id, sign,
               sign * (f.completed_at IS NOT NULL)::int
        FROM {_dimensions("f")}
        WHERE d.value IS NOT NULL;
    END IF;
END $$
"""

# What a fact contributes to the rollups; an update that changes none of it adds no deltas.
COUNTED = ", ".join(
    [
        _day("{f}"),
        *(f"{{f}}.{d}" for d in DIMENSIONS),
        *("{f}.status", "{f}.status_reason", "{f}.referring_provider_id"),
        *("{f}.completed_at IS NULL", "{f}.closed_at IS NULL", "{f}.noshow_appointments", "{f}.fulfilled_appointments"),
    ]
)

SYNC = f"""
CREATE FUNCTION analytics_rollup_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND ({COUNTED.format(f="OLD")}) IS NOT DISTINCT FROM ({COUNTED.format(f="NEW")}) THEN
        RETURN NULL;  -- nothing the rollups count has changed (a first contact time, say)
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM analytics_rollup_apply(OLD, -1);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM analytics_rollup_apply(NEW, 1);
    END IF;
    RETURN NULL;
END $$
"""

# Folds the rows of every key that has new deltas into one row per key (none when the key nets to zero
# referrals, which nets every counter to zero too). Rows committed while it runs are left for the next run.
COMPACT = f"""
CREATE FUNCTION analytics_rollup_compact() RETURNS void LANGUAGE sql AS $$
    WITH touched AS (
        SELECT DISTINCT dimension, value, day FROM analytics_daily_rollup WHERE NOT compacted
    ), gone AS (
        DELETE FROM analytics_daily_rollup r USING touched t
        WHERE r.dimension = t.dimension AND r.value = t.value AND r.day = t.day
        RETURNING r.*
    )
    INSERT INTO analytics_daily_rollup ({ROLLUP_COLUMNS}, compacted)
    SELECT dimension, value, day, status, status_reason, sum(referrals), sum(completed), sum(closed),
           sum(noshows), sum(fulfilled), true
    FROM gone GROUP BY dimension, value, day, status, status_reason HAVING sum(referrals) <> 0;

    WITH touched AS (
        SELECT DISTINCT dimension, value, day FROM analytics_daily_referrers WHERE NOT compacted
    ), gone AS (
        DELETE FROM analytics_daily_referrers r USING touched t
        WHERE r.dimension = t.dimension AND r.value = t.value AND r.day = t.day
        RETURNING r.*
    )
    INSERT INTO analytics_daily_referrers ({REFERRER_COLUMNS}, compacted)
    SELECT dimension, value, day, referring_provider_id, sum(referrals), sum(completed), true
    FROM gone GROUP BY dimension, value, day, referring_provider_id HAVING sum(referrals) <> 0;
$$
"""

BACKFILL = [
    f"""
INSERT INTO analytics_daily_rollup ({ROLLUP_COLUMNS}, compacted)
SELECT d.dimension, d.value, {_day("f")}, f.status, f.status_reason, count(*), count(f.completed_at),
       count(f.closed_at), sum(f.noshow_appointments), sum(f.fulfilled_appointments), true
FROM analytics_referral_facts f CROSS JOIN LATERAL {_dimensions("f")}
WHERE d.value IS NOT NULL
GROUP BY 1, 2, 3, 4, 5
ORDER BY 1, 2, 3  -- a period's rows of one key on few pages
""",
    f"""
INSERT INTO analytics_daily_referrers ({REFERRER_COLUMNS}, compacted)
SELECT d.dimension, d.value, {_day("f")}, f.referring_provider_id, count(*), count(f.completed_at), true
FROM analytics_referral_facts f CROSS JOIN LATERAL {_dimensions("f")}
WHERE d.value IS NOT NULL AND f.referring_provider_id IS NOT NULL
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3
""",
]

UPGRADE = [
    APPLY,
    SYNC,
    COMPACT,
    """
CREATE TRIGGER analytics_rollup_sync
    AFTER INSERT OR UPDATE OR DELETE ON analytics_referral_facts
    FOR EACH ROW EXECUTE FUNCTION analytics_rollup_sync()
""",
    """
CREATE FUNCTION analytics_rollup_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- DELETE, not TRUNCATE: a TRUNCATE that lists the rollups too is still using them here.
    DELETE FROM analytics_daily_rollup;
    DELETE FROM analytics_daily_referrers;
    RETURN NULL;
END $$
""",
    """
CREATE TRIGGER analytics_rollup_truncate
    AFTER TRUNCATE ON analytics_referral_facts
    FOR EACH STATEMENT EXECUTE FUNCTION analytics_rollup_truncate()
""",
    *BACKFILL,
]

DOWNGRADE = [
    "DROP TRIGGER IF EXISTS analytics_rollup_truncate ON analytics_referral_facts",
    "DROP TRIGGER IF EXISTS analytics_rollup_sync ON analytics_referral_facts",
    "DROP FUNCTION IF EXISTS analytics_rollup_truncate()",
    "DROP FUNCTION IF EXISTS analytics_rollup_sync()",
    "DROP FUNCTION IF EXISTS analytics_rollup_compact()",
    "DROP FUNCTION IF EXISTS analytics_rollup_apply(analytics_referral_facts, int)",
]


def upgrade() -> None:
    op.create_table(
        "analytics_daily_rollup",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("dimension", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("status_reason", sa.String(length=32), nullable=True),
        sa.Column("referrals", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Integer(), nullable=False),
        sa.Column("noshows", sa.Integer(), nullable=False),
        sa.Column("fulfilled", sa.Integer(), nullable=False),
        sa.Column("compacted", sa.Boolean(), server_default="false", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_daily_rollup")),
    )
    op.create_index(
        "ix_analytics_daily_rollup_dimension_value_day", "analytics_daily_rollup", ["dimension", "value", "day"]
    )
    op.create_index(
        "ix_analytics_daily_rollup_fresh", "analytics_daily_rollup", ["id"], postgresql_where=sa.text("NOT compacted")
    )
    op.create_table(
        "analytics_daily_referrers",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("dimension", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("referring_provider_id", sa.UUID(), nullable=False),
        sa.Column("referrals", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("compacted", sa.Boolean(), server_default="false", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_daily_referrers")),
    )
    op.create_index(
        "ix_analytics_daily_referrers_dimension_value_day",
        "analytics_daily_referrers",
        ["dimension", "value", "day"],
        postgresql_include=["referring_provider_id", "referrals", "completed"],
    )
    op.create_index(
        "ix_analytics_daily_referrers_fresh",
        "analytics_daily_referrers",
        ["id"],
        postgresql_where=sa.text("NOT compacted"),
    )
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
    op.drop_table("analytics_daily_referrers")
    op.drop_table("analytics_daily_rollup")
