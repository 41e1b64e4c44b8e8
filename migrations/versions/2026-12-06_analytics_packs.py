"""analytics packs: each UTC day's facts, column by column, for the combinations no key answers

A referring provider beside another filter, and three filters or more, read the facts: row by row,
each with a clock and an appointment lookup, some 400-700 ms for a year. Keys for those combinations
do not compress (a provider's day holds a few referrals; the five low-cardinality filters together
leave nearly one key per fact). analytics_fact_packs keeps instead, per UTC day, for all referrals
and for each value of each filter (a referring provider, a service line, a payer class...), the day's
facts as packed arrays in referral order: one array per filter (codes from analytics_pack_codes), status and reason codes,
flags (completed, closed, which durations exist, each SLA milestone's state), appointment outcomes,
the durations that exist, the due times of running milestones, and per fact with appointments its
reminder channels' counts. A reader takes the packs of its narrowest filter, only the arrays it
needs, and filters them in memory.

Marks as for the spreads, in a table of their own: any change of a fact (a status too, which the
spreads ignore), a clock, an appointment, a patient link or a link's message marks its day, and
analytics_packs_refresh() (the worker's minute job) rebuilds marked days. Readers take a marked day
from the facts, so a figure is never stale.

Revision ID: analytics_packs
Revises: analytics_pairs
Create Date: 2026-12-06 06:10:00+00:00
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision: str = "analytics_packs"
down_revision: str | None = "analytics_pairs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Coded text columns of the facts, by the pack's array name.
CODED = {
    "line": "service_line",
    "location": "location_preference",
    "payer": "payer_class",
    "channel": "source_channel",
    "urgency": "urgency",
    "status": "status",
    "reason": "status_reason",
    "provider": "referring_provider_id::text",
    "organization": "referring_organization_id::text",
}
DURATIONS = ("contact_hours", "appointment_days", "closure_hours")
MILESTONES = ("first_contact", "scheduled")
ARRAYS = (*CODED, "flags", "noshows", "fulfilled", *DURATIONS, *(f"{m}_due" for m in MILESTONES), "reminders")


def _day(f: str) -> str:
    return f"({f}.received_at AT TIME ZONE 'UTC')::date"


def _in_day(f: str, day: str) -> str:
    return (
        f"{f}.received_at >= {day}::timestamp AT TIME ZONE 'UTC' "
        f"AND {f}.received_at < ({day} + 1)::timestamp AT TIME ZONE 'UTC'"
    )


def _state(m: str) -> str:
    """A milestone as two bits: 0 no clock or not started, 1 missed, 2 met, 3 running (its due time packed)."""
    return f"CASE WHEN c.{m}_met THEN 2 WHEN NOT c.{m}_met THEN 1 WHEN c.{m}_due_at IS NOT NULL THEN 3 ELSE 0 END"


FLAGS = " | ".join(
    [
        "(f.completed_at IS NOT NULL)::int",
        "((f.closed_at IS NOT NULL)::int << 1)",
        *(f"((f.{name} IS NOT NULL)::int << {2 + i})" for i, name in enumerate(DURATIONS)),
        *(f"(({_state(m)}) << {5 + 2 * i})" for i, m in enumerate(MILESTONES)),
    ]
)

# Each fact's arrays' bytes, computed once per fact (not once per key it is packed under). A NULL
# (a duration the fact lacks, a milestone not running) is left out by string_agg.
ENCODED = ", ".join(
    [
        *(
            f"int4send(coalesce(code_{name}.id, CASE WHEN f.{column} IS NULL THEN 0 ELSE -1 END)) AS {name}"
            for name, column in CODED.items()
        ),
        f"int2send(({FLAGS})::int2) AS flags",
        "int4send(f.noshow_appointments) AS noshows",
        "int4send(f.fulfilled_appointments) AS fulfilled",
        *(f"float8send(f.{name}) AS {name}" for name in DURATIONS),
        *(
            f"CASE WHEN c.{m}_met IS NULL THEN int8send((extract(epoch FROM c.{m}_due_at) * 1000000)::bigint) "
            f"END AS {m}_due"
            for m in MILESTONES
        ),
        # Its reminder channels (analytics_fact_channels, migration `analytics_spreads`) as the 16-byte tails
        # of its records: the channel's code, then appointments, confirmed, no-shows, ended.
        "CASE WHEN f.first_appointment_start IS NOT NULL THEN ARRAY("
        "SELECT int4send(analytics_pack_code(ch.key)) || int4send((ch.value ->> 0)::int) "
        "|| int4send((ch.value ->> 1)::int) || int4send((ch.value ->> 2)::int) || int4send((ch.value ->> 3)::int) "
        "FROM jsonb_each(analytics_fact_channels(f.referral_id)) ch ORDER BY ch.key) END AS tails",
    ]
)
# Joined, not looked up per value: a hash of the few hundred codes serves a day's facts.
CODE_JOINS = " ".join(
    f"LEFT JOIN analytics_pack_codes code_{name} ON code_{name}.value = f.{column}" for name, column in CODED.items()
)
PACKED = ", ".join(f"coalesce(string_agg(k.{name}, ''::bytea ORDER BY k.ix), ''::bytea)" for name in ARRAYS[:-1])
# A record is the fact's place in the pack (int4) and one of its tails: 20 bytes.
REMINDERS = "string_agg(int4send(k.ix::int) || t.tail, ''::bytea ORDER BY k.ix, t.n)"

# All referrals, and each filter's values: a reader takes the chosen value(s) of its narrowest filter.
KEYED = ("service_line", "location_preference", "payer_class", "source_channel", "urgency")
KEYS = (
    "(VALUES ('all', ''), ('referring_provider_id', b.by_referring_provider_id::text), "
    "('referring_organization_id', b.by_referring_organization_id::text), "
    + ", ".join(f"('{name}', b.by_{name})" for name in KEYED)
    + ") AS d(dimension, value)"
)


def _build(where: str) -> str:
    """The packs of the facts that meet `where` (over facts f), one row per key and UTC day."""
    return f"""
INSERT INTO analytics_fact_packs (dimension, value, day, facts, {", ".join(ARRAYS)})
WITH b AS MATERIALIZED (
    SELECT f.referral_id, {_day("f")} AS day,
           {", ".join(f"f.{name} AS by_{name}" for name in ("referring_provider_id", "referring_organization_id", *KEYED))},
           {ENCODED}
    FROM analytics_referral_facts f LEFT JOIN referral_clocks c ON c.referral_id = f.referral_id
    {CODE_JOINS}
    WHERE {where}
), k AS (
    SELECT d.dimension, d.value, b.*,
           row_number() OVER (PARTITION BY d.dimension, d.value, b.day ORDER BY b.referral_id) - 1 AS ix
    FROM b CROSS JOIN LATERAL {KEYS}
    WHERE d.value IS NOT NULL
), packed AS (
    SELECT k.dimension, k.value, k.day, count(*)::int AS facts, {PACKED}
    FROM k GROUP BY 1, 2, 3
), reminded AS (
    SELECT k.dimension, k.value, k.day, {REMINDERS} AS reminders
    FROM k CROSS JOIN LATERAL unnest(k.tails) WITH ORDINALITY AS t(tail, n)
    GROUP BY 1, 2, 3
)
SELECT p.*, coalesce(r.reminders, ''::bytea)
FROM packed p LEFT JOIN reminded r USING (dimension, value, day)
"""


def _codes(where: str) -> str:
    """Codes for every value the packs of these facts (over facts f) will name, channels included."""
    values = ", ".join(f"(f.{column})" for column in CODED.values())
    return f"""
INSERT INTO analytics_pack_codes (value)
SELECT v FROM analytics_referral_facts f CROSS JOIN LATERAL (VALUES {values}) AS x(v)
WHERE {where} AND v IS NOT NULL
UNION
SELECT l.channel FROM analytics_referral_facts f
JOIN appointments a ON a.referral_id = f.referral_id
JOIN patient_links l ON l.appointment_id = a.id
WHERE {where}
ON CONFLICT (value) DO NOTHING
"""


CODE = """
CREATE FUNCTION analytics_pack_code(v text) RETURNS int LANGUAGE sql STABLE AS $$
    -- -1: not coded yet (a fact committed between the refresh's statements, whose mark rebuilds the day again).
    SELECT CASE WHEN v IS NULL THEN 0 ELSE coalesce((SELECT id FROM analytics_pack_codes WHERE value = v), -1) END
$$
"""

# As analytics_spreads_refresh: marks read first, and only those removed; one refresh at a time.
REFRESH = f"""
CREATE FUNCTION analytics_packs_refresh(max_days int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    marked date;
    seen bigint[];
    done int := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('analytics_packs_refresh'));
    -- The planner prices the per-fact channel lookups high enough to compile each day's statement
    -- (about 0.9 s of JIT for 0.1 s of work).
    PERFORM set_config('jit', 'off', true);
    FOR marked IN SELECT DISTINCT day FROM analytics_pack_marks ORDER BY day LIMIT max_days LOOP
        seen := ARRAY(SELECT id FROM analytics_pack_marks WHERE day = marked);
        DELETE FROM analytics_fact_packs WHERE day = marked;
        {_codes(_in_day("f", "marked"))};
        {_build(_in_day("f", "marked"))};
        DELETE FROM analytics_pack_marks WHERE id = ANY(seen);
        done := done + 1;
    END LOOP;
    RETURN done;
END $$
"""

# Any change of a fact marks its day, before and after: a status or a reason is in the packs too.
MARK = f"""
CREATE FUNCTION analytics_pack_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD IS NOT DISTINCT FROM NEW THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO analytics_pack_marks (day) VALUES ({_day("OLD")});
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND {_day("NEW")} <> {_day("OLD")}) THEN
        INSERT INTO analytics_pack_marks (day) VALUES ({_day("NEW")});
    END IF;
    RETURN NULL;
END $$
"""

TRUNCATE = """
CREATE FUNCTION analytics_packs_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM analytics_fact_packs;
    DELETE FROM analytics_pack_marks;
    RETURN NULL;
END $$
"""


def _spreads_revision() -> ModuleType:
    """`analytics_spreads`, whose mark functions this revision extends (a landed migration never changes)."""
    path = Path(__file__).with_name("2026-12-05_analytics_spreads.py")
    spec = importlib.util.spec_from_file_location("analytics_spreads_revision", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _marks_packs_too(function: str) -> str:
    """A spreads mark function (clocks, appointments, links, messages) that marks the same days for the packs."""
    head, rest = function.split("INSERT INTO analytics_spread_marks (day)", 1)
    select, tail = rest.split(";", 1)
    marked = (
        f"WITH marked(day) AS ({select.strip()}), spread AS (INSERT INTO analytics_spread_marks (day) "
        "SELECT day FROM marked) INSERT INTO analytics_pack_marks (day) SELECT day FROM marked"
    )
    return head.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1) + marked + ";" + tail


def _mark_functions(earlier: ModuleType) -> list[str]:
    return [earlier.REFERRAL_MARK, *earlier.LINK_MARKS]


def upgrade() -> None:
    op.create_table(
        "analytics_pack_codes",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.UniqueConstraint("value", name="uq_analytics_pack_codes_value"),
    )
    op.create_table(
        "analytics_fact_packs",
        sa.Column("dimension", sa.String(length=32), primary_key=True),
        sa.Column("value", sa.Text(), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("facts", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.LargeBinary(), nullable=False) for name in ARRAYS),
    )
    op.create_index("ix_analytics_fact_packs_day", "analytics_fact_packs", ["day"])
    op.create_table(
        "analytics_pack_marks",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
    )
    op.create_index("ix_analytics_pack_marks_day", "analytics_pack_marks", ["day"])
    # Codes and doubles barely compress, and a reader wants them without the decompression.
    for name in ARRAYS:
        op.execute(f"ALTER TABLE analytics_fact_packs ALTER {name} SET STORAGE EXTERNAL")
    op.execute(CODE)
    op.execute(REFRESH)
    op.execute(MARK)
    op.execute(
        "CREATE TRIGGER analytics_pack_mark AFTER INSERT OR UPDATE OR DELETE ON analytics_referral_facts "
        "FOR EACH ROW EXECUTE FUNCTION analytics_pack_mark()"
    )
    op.execute(TRUNCATE)
    op.execute(
        "CREATE TRIGGER analytics_packs_truncate AFTER TRUNCATE ON analytics_referral_facts "
        "FOR EACH STATEMENT EXECUTE FUNCTION analytics_packs_truncate()"
    )
    for function in _mark_functions(_spreads_revision()):
        op.execute(_marks_packs_too(function))
    op.execute("INSERT INTO analytics_pack_codes (value) VALUES ('none')")  # a reminder channel: no link sent
    op.execute(_codes("true"))
    op.execute(_build("true"))


def downgrade() -> None:
    for function in _mark_functions(_spreads_revision()):
        op.execute(function.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
    op.execute("DROP TRIGGER IF EXISTS analytics_packs_truncate ON analytics_referral_facts")
    op.execute("DROP TRIGGER IF EXISTS analytics_pack_mark ON analytics_referral_facts")
    for function in (
        "analytics_packs_truncate()",
        "analytics_pack_mark()",
        "analytics_packs_refresh(int)",
        "analytics_pack_code(text)",
    ):
        op.execute(f"DROP FUNCTION IF EXISTS {function}")
    op.drop_table("analytics_pack_marks")
    op.drop_table("analytics_fact_packs")
    op.drop_table("analytics_pack_codes")
