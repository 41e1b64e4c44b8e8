"""analytics spreads: each UTC day's durations, packed, for the summary's medians and p90s; referrer keys

A median is not a sum, so the delta rollups cannot give it. analytics_daily_spreads keeps, per day and
filter value (all referrals, each single filter, each referring provider and organization), the day's
time-to-contact, time-to-appointment and loop-closure durations as packed float8 values: a year is a
few hundred rows instead of half a million facts. Beside them, each milestone's SLA attainment
(reached, reached in time, and the due times of those still running, which a reader compares with
now), and the reminder channels' appointment counts. Row triggers on the facts, referral_clocks,
appointments, patient_links and (to and from `sent`) outbox_messages append the UTC day of any change to
analytics_spread_marks; analytics_spreads_refresh() (a worker job) rebuilds marked days and removes
the marks it saw. Readers take a marked day from the facts, so a figure is never stale.

The delta rollups of `analytics_rollups` gain the same referrer keys: analytics_daily_rollup a row per
referring provider and organization, analytics_daily_referrers one per organization, so a summary
filtered by either sums days instead of its facts. Their functions are replaced, and the new keys
backfilled from the facts.

Revision ID: analytics_spreads
Revises: list_index
Create Date: 2026-12-05 05:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "analytics_spreads"
down_revision: str | None = "list_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DIMENSIONS = ("service_line", "location_preference", "payer_class", "source_channel", "urgency")
REFERRERS = ("referring_provider_id", "referring_organization_id")
DURATIONS = ("contact_hours", "appointment_days", "closure_hours")


def _day(f: str) -> str:
    return f"({f}.received_at AT TIME ZONE 'UTC')::date"


def _dimensions(f: str, referrers: tuple[str, ...] = REFERRERS) -> str:
    """All referrals, each single filter and the given referrer keys, as (dimension, value) rows of fact f."""
    pairs = [f"('{d}', {f}.{d})" for d in DIMENSIONS] + [f"('{d}', {f}.{d}::text)" for d in referrers]
    return f"(VALUES ('all', ''), {', '.join(pairs)}) AS d(dimension, value)"


# float8send is big-endian IEEE 754: the reader unpacks exactly the doubles the facts hold.
PACKED = ", ".join(
    f"string_agg(float8send(f.{name}), ''::bytea) FILTER (WHERE f.{name} IS NOT NULL)" for name in DURATIONS
)
MILESTONES = ("first_contact", "scheduled")
# SLA attainment per milestone (journey.queries.sla_attainment): decided = reached, or still running past
# its due time; the due times are kept (epoch microseconds, big-endian) so a reader counts those before now.
PACKED += ", " + ", ".join(
    f"count(*) FILTER (WHERE c.{m}_met), count(c.{m}_met), "
    f"string_agg(int8send((extract(epoch FROM c.{m}_due_at) * 1000000)::bigint), ''::bytea) "
    f"FILTER (WHERE c.{m}_met IS NULL AND c.{m}_due_at IS NOT NULL)"
    for m in MILESTONES
)
SLA_COLUMNS = tuple(f"{m}_{part}" for m in MILESTONES for part in ("met", "reached", "due"))
COLUMNS = f"dimension, value, day, {', '.join((*DURATIONS, *SLA_COLUMNS))}"
FACTS_AND_CLOCKS = "analytics_referral_facts f LEFT JOIN referral_clocks c ON c.referral_id = f.referral_id"
SPREAD_OF = ", ".join(f"{{f}}.{c}" for c in ("received_at", *DIMENSIONS, *REFERRERS, *DURATIONS))

MARK = f"""
CREATE FUNCTION analytics_spread_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND ({SPREAD_OF.format(f="OLD")}) IS NOT DISTINCT FROM ({SPREAD_OF.format(f="NEW")}) THEN
        RETURN NULL;  -- a status change, say: no duration and no key moved
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO analytics_spread_marks (day) VALUES ({_day("OLD")});
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND {_day("NEW")} <> {_day("OLD")}) THEN
        INSERT INTO analytics_spread_marks (day) VALUES ({_day("NEW")});
    END IF;
    RETURN NULL;
END $$
"""

# A clock or an appointment changed: the day of its referral's fact, before and after, is marked (none
# when it has no fact). OLD is NULL on insert and NEW on delete, and a NULL in IN matches nothing.
REFERRAL_MARK = """
CREATE FUNCTION analytics_spread_referral_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO analytics_spread_marks (day)
    SELECT (f.received_at AT TIME ZONE 'UTC')::date FROM analytics_referral_facts f
    WHERE f.referral_id IN (OLD.referral_id, NEW.referral_id);
    RETURN NULL;
END $$
"""
CLOCK_FIELDS = [f"{m}_{part}" for m in MILESTONES for part in ("met", "due_at")]
CLOCK_TRIGGERS = [
    f"""
CREATE TRIGGER analytics_spread_clock_mark AFTER UPDATE OF {", ".join(CLOCK_FIELDS)} ON referral_clocks
    FOR EACH ROW WHEN (({", ".join(f"OLD.{c}" for c in CLOCK_FIELDS)}) IS DISTINCT FROM
                       ({", ".join(f"NEW.{c}" for c in CLOCK_FIELDS)}))
    EXECUTE FUNCTION analytics_spread_referral_mark()
""",
    """
CREATE TRIGGER analytics_spread_clock_added AFTER INSERT OR DELETE ON referral_clocks
    FOR EACH ROW EXECUTE FUNCTION analytics_spread_referral_mark()
""",
]

# Reminder channels (analytics.reminder_channels): per channel that carried a sent link to an appointment
# of the day's referrals ('none' when none did), [appointments, confirmed, no-shows, ended], as jsonb.
FACT_CHANNELS = """
CREATE FUNCTION analytics_fact_channels(referral uuid) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_object_agg(per.channel, per.counts)
    FROM (
        SELECT coalesce(sent.channel, 'none') AS channel,
               jsonb_build_array(
                   count(*),
                   count(*) FILTER (WHERE EXISTS (
                       SELECT 1 FROM patient_links k WHERE k.appointment_id = a.id AND k.confirmed_at IS NOT NULL)),
                   count(*) FILTER (WHERE a.status = 'noshow'),
                   count(*) FILTER (WHERE a.status IN ('noshow', 'fulfilled'))
               ) AS counts
        FROM appointments a
        LEFT JOIN LATERAL (
            SELECT DISTINCT l.channel FROM patient_links l JOIN outbox_messages o ON o.id = l.message_id
            WHERE l.appointment_id = a.id AND o.status = 'sent'
        ) sent ON true
        WHERE a.referral_id = referral
        GROUP BY 1
    ) per
$$
"""
# Only a fact with an appointment has channels (first_appointment_start is set once one exists).
CHANNELS_OF = f"""
SELECT per.dimension, per.value, per.day,
       jsonb_object_agg(per.channel, jsonb_build_array(per.appointments, per.confirmed, per.noshows, per.ended))
           AS channels
FROM (
    SELECT d.dimension, d.value, {_day("f")} AS day, ch.key AS channel,
           sum((ch.value ->> 0)::int) AS appointments, sum((ch.value ->> 1)::int) AS confirmed,
           sum((ch.value ->> 2)::int) AS noshows, sum((ch.value ->> 3)::int) AS ended
    FROM analytics_referral_facts f
    CROSS JOIN LATERAL jsonb_each(analytics_fact_channels(f.referral_id)) ch
    CROSS JOIN LATERAL {_dimensions("f")}
    WHERE {{where}} AND f.first_appointment_start IS NOT NULL AND d.value IS NOT NULL
    GROUP BY 1, 2, 3, 4
) per
GROUP BY 1, 2, 3
"""


def _set_channels(where: str) -> str:
    return f"""
UPDATE analytics_daily_spreads s SET reminder_channels = x.channels
FROM ({CHANNELS_OF.format(where=where)}) x
WHERE s.day = x.day AND s.dimension = x.dimension AND s.value = x.value
"""


# The fact days an appointment, a patient link or a link's message touches.
LINK_MARKS = (
    """
CREATE FUNCTION analytics_spread_link_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO analytics_spread_marks (day)
    SELECT (f.received_at AT TIME ZONE 'UTC')::date
    FROM appointments a JOIN analytics_referral_facts f ON f.referral_id = a.referral_id
    WHERE a.id IN (OLD.appointment_id, NEW.appointment_id);  -- a missing side is NULL, matching nothing
    RETURN NULL;
END $$
""",
    """
CREATE FUNCTION analytics_spread_message_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO analytics_spread_marks (day)
    SELECT (f.received_at AT TIME ZONE 'UTC')::date
    FROM patient_links l
    JOIN appointments a ON a.id = l.appointment_id
    JOIN analytics_referral_facts f ON f.referral_id = a.referral_id
    WHERE l.message_id = NEW.id;
    RETURN NULL;
END $$
""",
)
LINK_TRIGGERS = [
    """
CREATE TRIGGER analytics_spread_appointment_mark
    AFTER INSERT OR DELETE OR UPDATE OF referral_id, status ON appointments
    FOR EACH ROW EXECUTE FUNCTION analytics_spread_referral_mark()
""",
    """
CREATE TRIGGER analytics_spread_link_mark
    AFTER INSERT OR DELETE OR UPDATE OF appointment_id, referral_id, channel, message_id, confirmed_at ON patient_links
    FOR EACH ROW EXECUTE FUNCTION analytics_spread_link_mark()
""",
    # Only a message going to or from `sent` moves a channel; most messages have no link at all.
    """
CREATE TRIGGER analytics_spread_message_mark AFTER UPDATE OF status ON outbox_messages
    FOR EACH ROW WHEN ((OLD.status = 'sent') IS DISTINCT FROM (NEW.status = 'sent'))
    EXECUTE FUNCTION analytics_spread_message_mark()
""",
]

# Marks are read before the facts and only those are removed: a change committed meanwhile keeps its
# mark (its day is rebuilt again), whatever the caller's isolation level. One refresh at a time.
REFRESH = f"""
CREATE FUNCTION analytics_spreads_refresh(max_days int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    marked date;
    seen bigint[];
    done int := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('analytics_spreads_refresh'));
    FOR marked IN SELECT DISTINCT day FROM analytics_spread_marks ORDER BY day LIMIT max_days LOOP
        seen := ARRAY(SELECT id FROM analytics_spread_marks WHERE day = marked);
        DELETE FROM analytics_daily_spreads WHERE day = marked;
        INSERT INTO analytics_daily_spreads ({COLUMNS})
        SELECT d.dimension, d.value, marked, {PACKED}
        FROM {FACTS_AND_CLOCKS} CROSS JOIN LATERAL {_dimensions("f")}
        WHERE f.received_at >= marked::timestamp AT TIME ZONE 'UTC'
          AND f.received_at < (marked + 1)::timestamp AT TIME ZONE 'UTC'
          AND d.value IS NOT NULL
        GROUP BY 1, 2;
        {
    _set_channels(
        "f.received_at >= marked::timestamp AT TIME ZONE 'UTC' AND "
        "f.received_at < (marked + 1)::timestamp AT TIME ZONE 'UTC'"
    )
};
        DELETE FROM analytics_spread_marks WHERE id = ANY(seen);
        done := done + 1;
    END LOOP;
    RETURN done;
END $$
"""

BACKFILL = f"""
INSERT INTO analytics_daily_spreads ({COLUMNS})
SELECT d.dimension, d.value, {_day("f")}, {PACKED}
FROM {FACTS_AND_CLOCKS} CROSS JOIN LATERAL {_dimensions("f")}
WHERE d.value IS NOT NULL
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
"""

COUNTERS = "referrals, completed, closed, noshows, fulfilled"
ROLLUP_COLUMNS = f"dimension, value, day, status, status_reason, {COUNTERS}"
REFERRER_COLUMNS = "dimension, value, day, referring_provider_id, referrals, completed"


# As in `analytics_rollups`, with the referrer keys: top referrers within an organization come from
# analytics_daily_referrers; within chosen providers, from its 'all' rows (no provider key needed there).
APPLY = f"""
CREATE OR REPLACE FUNCTION analytics_rollup_apply(f analytics_referral_facts, sign int) RETURNS void
LANGUAGE plpgsql AS $$
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
        FROM {_dimensions("f", ("referring_organization_id",))}
        WHERE d.value IS NOT NULL;
    END IF;
END $$
"""

COUNTED = ", ".join(
    [
        _day("{f}"),
        *(f"{{f}}.{d}" for d in (*DIMENSIONS, *REFERRERS)),
        *("{f}.status", "{f}.status_reason"),
        *("{f}.completed_at IS NULL", "{f}.closed_at IS NULL", "{f}.noshow_appointments", "{f}.fulfilled_appointments"),
    ]
)

SYNC = f"""
CREATE OR REPLACE FUNCTION analytics_rollup_sync() RETURNS trigger LANGUAGE plpgsql AS $$
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


def _referrer_keys(f: str, names: tuple[str, ...]) -> str:
    pairs = ", ".join(f"('{d}', {f}.{d}::text)" for d in names)
    return f"(VALUES {pairs}) AS d(dimension, value)"


ROLLUP_BACKFILL = [
    f"""
INSERT INTO analytics_daily_rollup ({ROLLUP_COLUMNS}, compacted)
SELECT d.dimension, d.value, {_day("f")}, f.status, f.status_reason, count(*), count(f.completed_at),
       count(f.closed_at), sum(f.noshow_appointments), sum(f.fulfilled_appointments), true
FROM analytics_referral_facts f CROSS JOIN LATERAL {_referrer_keys("f", REFERRERS)}
WHERE d.value IS NOT NULL
GROUP BY 1, 2, 3, 4, 5
ORDER BY 1, 2, 3
""",
    f"""
INSERT INTO analytics_daily_referrers ({REFERRER_COLUMNS}, compacted)
SELECT d.dimension, d.value, {_day("f")}, f.referring_provider_id, count(*), count(f.completed_at), true
FROM analytics_referral_facts f CROSS JOIN LATERAL {_referrer_keys("f", ("referring_organization_id",))}
WHERE d.value IS NOT NULL AND f.referring_provider_id IS NOT NULL
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3
""",
]

UPGRADE = [
    APPLY,
    SYNC,
    *ROLLUP_BACKFILL,
    MARK,
    REFERRAL_MARK,
    FACT_CHANNELS,
    *LINK_MARKS,
    REFRESH,
    *CLOCK_TRIGGERS,
    *LINK_TRIGGERS,
    """
CREATE TRIGGER analytics_spread_mark
    AFTER INSERT OR UPDATE OR DELETE ON analytics_referral_facts
    FOR EACH ROW EXECUTE FUNCTION analytics_spread_mark()
""",
    """
CREATE FUNCTION analytics_spreads_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM analytics_daily_spreads;
    DELETE FROM analytics_spread_marks;
    RETURN NULL;
END $$
""",
    """
CREATE TRIGGER analytics_spreads_truncate
    AFTER TRUNCATE ON analytics_referral_facts
    FOR EACH STATEMENT EXECUTE FUNCTION analytics_spreads_truncate()
""",
    # A day's values are a few kilobytes of doubles that do not compress: stored out of line as they are.
    *(
        f"ALTER TABLE analytics_daily_spreads ALTER {name} SET STORAGE EXTERNAL"
        for name in (*DURATIONS, *SLA_COLUMNS)
        if not name.endswith(("_met", "_reached"))
    ),
    BACKFILL,
    _set_channels("true"),
]

DOWNGRADE = [
    "DROP TRIGGER IF EXISTS analytics_spread_message_mark ON outbox_messages",
    "DROP TRIGGER IF EXISTS analytics_spread_link_mark ON patient_links",
    "DROP TRIGGER IF EXISTS analytics_spread_appointment_mark ON appointments",
    "DROP FUNCTION IF EXISTS analytics_spread_message_mark()",
    "DROP FUNCTION IF EXISTS analytics_spread_link_mark()",
    "DROP FUNCTION IF EXISTS analytics_fact_channels(uuid)",
    "DROP TRIGGER IF EXISTS analytics_spread_clock_mark ON referral_clocks",
    "DROP TRIGGER IF EXISTS analytics_spread_clock_added ON referral_clocks",
    "DROP FUNCTION IF EXISTS analytics_spread_referral_mark()",
    "DROP TRIGGER IF EXISTS analytics_spreads_truncate ON analytics_referral_facts",
    "DROP TRIGGER IF EXISTS analytics_spread_mark ON analytics_referral_facts",
    "DROP FUNCTION IF EXISTS analytics_spreads_truncate()",
    "DROP FUNCTION IF EXISTS analytics_spreads_refresh(int)",
    "DROP FUNCTION IF EXISTS analytics_spread_mark()",
    "DELETE FROM analytics_daily_rollup WHERE dimension IN ('referring_provider_id', 'referring_organization_id')",
    "DELETE FROM analytics_daily_referrers WHERE dimension = 'referring_organization_id'",
]


def _earlier_functions() -> list[str]:
    """`analytics_rollups`' own apply and sync functions, to put back on downgrade."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).with_name("2026-12-04_analytics_rollups.py")
    spec = importlib.util.spec_from_file_location("analytics_rollups_revision", path)
    assert spec and spec.loader
    earlier = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(earlier)
    return [f.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1) for f in (earlier.APPLY, earlier.SYNC)]


def upgrade() -> None:
    op.create_table(
        "analytics_daily_spreads",
        sa.Column("dimension", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *(sa.Column(name, sa.LargeBinary(), nullable=True) for name in DURATIONS),
        *(
            sa.Column(name, sa.LargeBinary(), nullable=True)
            if name.endswith("_due")
            else sa.Column(name, sa.Integer(), nullable=False)
            for name in SLA_COLUMNS
        ),
        sa.Column("reminder_channels", postgresql.JSONB(), nullable=True),
        sa.PrimaryKeyConstraint("dimension", "value", "day", name=op.f("pk_analytics_daily_spreads")),
    )
    op.create_index("ix_analytics_daily_spreads_day", "analytics_daily_spreads", ["day"])
    op.create_table(
        "analytics_spread_marks",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_spread_marks")),
    )
    op.create_index("ix_analytics_spread_marks_day", "analytics_spread_marks", ["day"])
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in [*DOWNGRADE, *_earlier_functions()]:
        op.execute(statement)
    op.drop_table("analytics_spread_marks")
    op.drop_table("analytics_daily_spreads")
