"""analytics facts made again count their referral's appointments

A referral's fact is removed when the referral is merged into another, or by a data fix; the next
change to the referral makes the fact again, from the referral's columns alone, so its first
appointment and its no-show and fulfilled counts read as none while the appointments are there. Every
figure built on them (time to appointment, no-show rate, and the reminder channels, whose daily spreads
only look at facts with an appointment) then disagreed with the appointments. The sync function now
counts the appointments whenever it makes a fact for a referral that already existed (a new referral
has none yet, so the create path does no more work), and facts already left this way are recounted.

Revision ID: fact_recount
Revises: analytics_spreads
Create Date: 2026-12-05 17:50:00+00:00
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from alembic import op

revision: str = "fact_recount"
down_revision: str | None = "analytics_spreads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _duplicates_revision() -> ModuleType:
    """`duplicates`, which wrote the sync function this revision extends."""
    path = Path(__file__).with_name("2026-12-04_duplicates.py")
    spec = importlib.util.spec_from_file_location("duplicates_revision", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sync(columns: list[str]) -> str:
    return f"""
CREATE OR REPLACE FUNCTION analytics_sync_referral() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    made_again boolean;
BEGIN
    IF NEW.merged_into_id IS NOT NULL THEN
        DELETE FROM analytics_referral_facts WHERE referral_id = NEW.id;
        RETURN NULL;
    END IF;
    made_again := TG_OP = 'UPDATE' AND NOT EXISTS (SELECT 1 FROM analytics_referral_facts WHERE referral_id = NEW.id);
    INSERT INTO analytics_referral_facts (referral_id, {", ".join(columns)})
    VALUES (NEW.id, {", ".join("NEW." + c for c in columns)})
    ON CONFLICT (referral_id) DO UPDATE SET
        {", ".join(f"{c} = EXCLUDED.{c}" for c in columns)};
    IF made_again THEN
        PERFORM analytics_refresh_appointments(NEW.id);
    END IF;
    RETURN NULL;
END $$
"""


RECOUNT = """
SELECT analytics_refresh_appointments(f.referral_id)
FROM analytics_referral_facts f
WHERE f.first_appointment_start IS NULL AND EXISTS (SELECT 1 FROM appointments a WHERE a.referral_id = f.referral_id)
"""


def upgrade() -> None:
    op.execute(_sync(_duplicates_revision().FACT_COLUMNS))
    op.execute(RECOUNT)


def downgrade() -> None:
    op.execute(_duplicates_revision()._sync_function(skip_merged=True))
