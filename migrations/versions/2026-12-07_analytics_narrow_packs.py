"""analytics narrow packs: the packs' whole numbers at the width their values need, codes renumbered small

A year of broad views (several values of several filters) reads some 400,000 packed facts, about 51
bytes each, 21 MB a request: PostgreSQL's reading and the driver's receiving of those bytes were most
of the time. Most of them were room: codes, counts and reminder records at four bytes, when almost
every value fits in one. Each pack row now holds each array of whole numbers (codes, no-shows,
fulfilled) at the narrowest width, 1, 2 or 4 bytes, that all its values fit (signed, big-endian; a
reader knows it as the array's length over the row's facts), and its reminder records at one width
for the row, named by a leading byte. Flags, durations and due times are as they were.

So that the common values fit a byte, codes are renumbered: the reminder channel `none`, then every
value of the low-cardinality filters, statuses and reasons, then referrers. A refresh now codes only
the values it has not seen, so the identity no longer burns a number on each value of each refreshed
day (on the bench data codes had passed 35,000 for 470 values). Every pack is rebuilt.

Revision ID: analytics_narrow_packs
Revises: calendar_retime
Create Date: 2026-12-07 23:30:00+00:00
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from alembic import op

revision: str = "analytics_narrow_packs"
down_revision: str | None = "calendar_retime"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _packs_revision() -> ModuleType:
    """`analytics_packs`, whose arrays, keys and functions this revision re-encodes (it never changes)."""
    path = Path(__file__).with_name("2026-12-06_analytics_packs.py")
    spec = importlib.util.spec_from_file_location("analytics_packs_revision", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PACKS = _packs_revision()
CODED, DURATIONS, MILESTONES, ARRAYS = PACKS.CODED, PACKS.DURATIONS, PACKS.MILESTONES, PACKS.ARRAYS
# Arrays of whole numbers, each packed at its row's width.
INTS = (*CODED, "noshows", "fulfilled")
# Values a handful of each: coded first, so that they fit a byte.
FEW = {name: column for name, column in CODED.items() if name not in ("provider", "organization")}


def _width(fit: str) -> str:
    """Bytes for values whose greatest `greatest(v, -1 - v)` is `fit` (signed: -1 is a code not given yet)."""
    return f"(CASE WHEN {fit} < 128 THEN 1 WHEN {fit} < 32768 THEN 2 ELSE 4 END)"


def _narrow(value: str, width: str) -> str:
    """A whole number's last `width` bytes, big-endian: itself, signed, when it fits them."""
    return f"substring(int4send({value}) FROM 5 - {width})"


# Each fact's values, computed once per fact (not once per key it is packed under): whole numbers as
# themselves (their width is the pack row's), the rest as bytes; a NULL is left out by string_agg.
ENCODED = ", ".join(
    [
        *(
            f"coalesce(code_{name}.id, CASE WHEN f.{column} IS NULL THEN 0 ELSE -1 END) AS {name}"
            for name, column in CODED.items()
        ),
        f"({PACKS.FLAGS})::int2 AS flags",
        "f.noshow_appointments AS noshows",
        "f.fulfilled_appointments AS fulfilled",
        *(f"float8send(f.{name}) AS {name}" for name in DURATIONS),
        *(
            f"CASE WHEN c.{m}_met IS NULL THEN int8send((extract(epoch FROM c.{m}_due_at) * 1000000)::bigint) "
            f"END AS {m}_due"
            for m in MILESTONES
        ),
        # Its reminder channels (analytics_fact_channels, migration `analytics_spreads`) as five whole
        # numbers each, one after another: the channel's code, then appointments, confirmed, no-shows, ended.
        "CASE WHEN f.first_appointment_start IS NOT NULL THEN ARRAY("
        "SELECT u.x FROM jsonb_each(analytics_fact_channels(f.referral_id)) ch CROSS JOIN LATERAL unnest(ARRAY["
        "analytics_pack_code(ch.key), (ch.value ->> 0)::int, (ch.value ->> 1)::int, (ch.value ->> 2)::int, "
        "(ch.value ->> 3)::int]) WITH ORDINALITY AS u(x, o) ORDER BY ch.key, u.o) END AS tails",
    ]
)
FITS = ", ".join(f"max(greatest(b.{name}, -1 - b.{name})) OVER per_key AS fit_{name}" for name in INTS)


def _packed(name: str) -> str:
    if name in INTS:
        value = _narrow(f"k.{name}", _width(f"k.fit_{name}"))
    elif name == "flags":
        value = "int2send(k.flags)"
    else:
        value = f"k.{name}"
    return f"coalesce(string_agg({value}, ''::bytea ORDER BY k.ix), ''::bytea)"


PACKED = ", ".join(_packed(name) for name in ARRAYS[:-1])


def _record(row: str, at: str) -> list[str]:
    """The five numbers of the record at place `at` of `row`'s tails."""
    return [f"{row}.tails[{at} + {j}]" for j in range(5)]


# A record is the fact's place in the pack and its five numbers from tails, all at the row's width,
# which the reminders' first byte names: one row per record, its numbers read from the array by place.
REMINDED = f"""
    SELECT t.dimension, t.value, t.day, set_byte('\\x00'::bytea, 0, t.width) || string_agg(
        {" || ".join(_narrow(v, "t.width") for v in ("t.ix::int", *_record("t", "t.i")))}, ''::bytea ORDER BY t.ix, t.i
    ) AS reminders
    FROM (
        SELECT t.*, {_width("t.fit")} AS width
        FROM (
            SELECT k.dimension, k.value, k.day, k.ix, k.tails, g.i,
                   max(greatest(k.ix, {", ".join(_record("k", "g.i"))}, -1 - k.tails[g.i]))
                       OVER (PARTITION BY k.dimension, k.value, k.day) AS fit
            FROM k CROSS JOIN LATERAL generate_series(1, cardinality(k.tails), 5) AS g(i)
        ) t
    ) t
    GROUP BY t.dimension, t.value, t.day, t.width
"""


def _build(where: str) -> str:
    """The packs of the facts that meet `where` (over facts f), one row per key and UTC day."""
    by = ("referring_provider_id", "referring_organization_id", *PACKS.KEYED)
    return f"""
INSERT INTO analytics_fact_packs (dimension, value, day, facts, {", ".join(ARRAYS)})
WITH b AS MATERIALIZED (
    SELECT f.referral_id, {PACKS._day("f")} AS day,
           {", ".join(f"f.{name} AS by_{name}" for name in by)},
           {ENCODED}
    FROM analytics_referral_facts f LEFT JOIN referral_clocks c ON c.referral_id = f.referral_id
    {PACKS.CODE_JOINS}
    WHERE {where}
), k AS (
    SELECT d.dimension, d.value, b.*,
           row_number() OVER (PARTITION BY d.dimension, d.value, b.day ORDER BY b.referral_id) - 1 AS ix,
           {FITS}
    FROM b CROSS JOIN LATERAL {PACKS.KEYS}
    WHERE d.value IS NOT NULL
    WINDOW per_key AS (PARTITION BY d.dimension, d.value, b.day)
), packed AS (
    SELECT k.dimension, k.value, k.day, count(*)::int AS facts, {PACKED}
    FROM k GROUP BY 1, 2, 3
), reminded AS ({REMINDED})
SELECT p.*, coalesce(r.reminders, ''::bytea)
FROM packed p LEFT JOIN reminded r USING (dimension, value, day)
"""


def _codes(where: str, columns: dict[str, str], *, channels: bool = True) -> str:
    """Codes for the values of these columns (and the reminder channels) of the facts that meet `where`
    (over facts f) that have none yet: a value coded already takes no number from the identity."""
    values = ", ".join(f"(f.{column})" for column in columns.values())
    sent = f"""
UNION
SELECT l.channel FROM analytics_referral_facts f
JOIN appointments a ON a.referral_id = f.referral_id
JOIN patient_links l ON l.appointment_id = a.id
WHERE {where}"""
    return f"""
INSERT INTO analytics_pack_codes (value)
SELECT DISTINCT new.v FROM (
    SELECT v FROM analytics_referral_facts f CROSS JOIN LATERAL (VALUES {values}) AS x(v)
    WHERE {where} AND v IS NOT NULL{sent if channels else ""}
) new
WHERE NOT EXISTS (SELECT 1 FROM analytics_pack_codes c WHERE c.value = new.v)
ORDER BY new.v
ON CONFLICT (value) DO NOTHING
"""


def _refresh() -> str:
    """analytics_packs_refresh as the earlier revision has it, coding and building a marked day as this one does."""
    marked = PACKS._in_day("f", "marked")
    refresh = PACKS.REFRESH.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
    for statement, replacement in (
        (PACKS._codes(marked), _codes(marked, CODED)),
        (PACKS._build(marked), _build(marked)),
    ):
        assert refresh.count(statement) == 1
        refresh = refresh.replace(statement, replacement)
    return refresh


def _rebuild(codes: list[str], build: str) -> None:
    # Emptied, not deleted row by row: the old packs' space is given back at once, not left dead beside the new.
    op.execute("TRUNCATE analytics_fact_packs, analytics_pack_codes RESTART IDENTITY")
    op.execute("INSERT INTO analytics_pack_codes (value) VALUES ('none')")  # a reminder channel: no link sent
    for statement in codes:
        op.execute(statement)
    op.execute(build)


def upgrade() -> None:
    op.execute(_refresh())
    _rebuild([_codes("true", FEW), _codes("true", CODED, channels=False)], _build("true"))


def downgrade() -> None:
    op.execute(PACKS.REFRESH.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
    _rebuild([PACKS._codes("true")], PACKS._build("true"))
