"""analytics pairs: rollups and spreads keyed by two filters at once

A summary filtered by, say, payer class and source channel read every fact of both (about 100,000
in a year) three times: over a second. The delta rollups, the referrers rollup and the daily spreads
now also carry one key per pair of the five low-cardinality filters (service line, location, payer
class, source channel, urgency): ten more keys per fact, each a few rows per day. A pair's dimension
is its short names joined by "+" ("payer+channel"); its value is the first value's length in
characters, ":", then both values, which no two different pairs of texts share. A referrer beside
another filter, and three filters or more, stay on the facts: keys for them would hardly compress.

The trigger and refresh functions of `analytics_spreads` are replaced with the same SQL over the
wider key set, and the pair keys backfilled from the facts. Ten more keys make each write dearer, so
a change that moves no referrer row (a status change, the commonest write) no longer writes the
referrers rollup -1 and +1 rows that cancel. `value` widens to text (a service line
and a location together can pass 200 characters); from varchar that needs no table rewrite.

Revision ID: analytics_pairs
Revises: fact_recount
Create Date: 2026-12-05 17:40:00+00:00
"""

import importlib.util
from collections.abc import Sequence
from itertools import combinations
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision: str = "analytics_pairs"
down_revision: str | None = "fact_recount"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As domain.analytics.spreads.PAIRED names them; the order decides which value comes first.
SHORT = {
    "service_line": "line",
    "location_preference": "location",
    "payer_class": "payer",
    "source_channel": "channel",
    "urgency": "urgency",
}
PAIRS = list(combinations(SHORT, 2))
TABLES = ("analytics_daily_rollup", "analytics_daily_referrers", "analytics_daily_spreads")
KEYS_END = ") AS d(dimension, value)"


def _spreads_revision() -> ModuleType:
    """`analytics_spreads`, whose SQL this revision widens (a landed migration never changes)."""
    path = Path(__file__).with_name("2026-12-05_analytics_spreads.py")
    spec = importlib.util.spec_from_file_location("analytics_spreads_revision", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pair_keys(f: str) -> str:
    # A NULL in either value makes the key NULL, which every statement below skips.
    return ", ".join(
        f"('{SHORT[a]}+{SHORT[b]}', length({f}.{a})::text || ':' || {f}.{a} || {f}.{b})" for a, b in PAIRS
    )


def _with_pairs(sql: str, earlier: ModuleType, only_pairs: bool = False) -> str:
    """`sql` with the pair keys added to each key list of fact f, or in its place."""
    lists = [earlier._dimensions("f"), earlier._dimensions("f", ("referring_organization_id",))]
    assert any(keys in sql for keys in lists), "no key list to widen"
    for keys in lists:
        head = "(VALUES " if only_pairs else keys[: -len(KEYS_END)] + ", "
        sql = sql.replace(keys, head + _pair_keys("f") + KEYS_END)
    return sql


def _replaced(sql: str) -> str:
    return sql.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


def _apply(earlier: ModuleType) -> str:
    """The rollups' apply function with the pair keys, and a switch for its referrer rows."""
    sql = _with_pairs(earlier.APPLY, earlier)
    for before, after in (
        ("(f analytics_referral_facts, sign int)", "(f analytics_referral_facts, sign int, referrers boolean)"),
        ("IF f.referring_provider_id IS NOT NULL THEN", "IF referrers AND f.referring_provider_id IS NOT NULL THEN"),
    ):
        assert before in sql
        sql = sql.replace(before, after)
    return sql


def _sync(earlier: ModuleType) -> str:
    """As `analytics_spreads`' sync, but a change that moves no referrer row (a status change, the commonest
    write) leaves the referrers rollup alone: its -1 and +1 rows would cancel, one per key."""
    referred = ", ".join(
        [earlier._day("{f}"), *(f"{{f}}.{d}" for d in (*earlier.DIMENSIONS, *earlier.REFERRERS))]
        + ["{f}.completed_at IS NULL"]
    )
    return f"""
CREATE OR REPLACE FUNCTION analytics_rollup_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    referrers boolean := true;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF ({earlier.COUNTED.format(f="OLD")}) IS NOT DISTINCT FROM ({earlier.COUNTED.format(f="NEW")}) THEN
            RETURN NULL;  -- nothing the rollups count has changed (a first contact time, say)
        END IF;
        referrers := ({referred.format(f="OLD")}) IS DISTINCT FROM ({referred.format(f="NEW")});
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM analytics_rollup_apply(OLD, -1, referrers);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM analytics_rollup_apply(NEW, 1, referrers);
    END IF;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    earlier = _spreads_revision()
    for table in TABLES:
        op.alter_column(table, "value", type_=sa.Text(), existing_type=sa.String(length=200), existing_nullable=False)
    op.execute(_apply(earlier))
    op.execute(_sync(earlier))
    op.execute("DROP FUNCTION analytics_rollup_apply(analytics_referral_facts, int)")
    op.execute(_replaced(_with_pairs(earlier.REFRESH, earlier)))
    keys = f"(VALUES {_pair_keys('f')}{KEYS_END}"
    # The rollups' backfill of the referrer keys, over the pair keys instead.
    for statement, referrers in zip(
        earlier.ROLLUP_BACKFILL, (earlier.REFERRERS, ("referring_organization_id",)), strict=True
    ):
        assert earlier._referrer_keys("f", referrers) in statement
        op.execute(statement.replace(earlier._referrer_keys("f", referrers), keys))
    op.execute(_with_pairs(earlier.BACKFILL, earlier, only_pairs=True))
    op.execute(_with_pairs(earlier._set_channels("true"), earlier, only_pairs=True))


def downgrade() -> None:
    earlier = _spreads_revision()
    for table in TABLES:
        op.execute(f"DELETE FROM {table} WHERE dimension LIKE '%+%'")
    for function in (earlier.APPLY, earlier.SYNC, earlier.REFRESH):
        op.execute(_replaced(function))
    op.execute("DROP FUNCTION analytics_rollup_apply(analytics_referral_facts, int, boolean)")
    for table in TABLES:
        op.alter_column(table, "value", type_=sa.String(length=200), existing_type=sa.Text(), existing_nullable=False)
