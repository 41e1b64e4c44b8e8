"""analytics facts: triggers that keep analytics_referral_facts current, and a backfill

The table itself comes from the models (initial schema). Every insert or update of a referral's
analysed columns upserts its fact row; every change to an appointment recomputes its referral's
appointment outcomes. Same transaction as the change, so the summary is never behind.

Revision ID: analytics_facts
Revises: 0001
Create Date: 2026-11-23 16:05:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "analytics_facts"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFERRAL_COLUMNS = (
    "received_at, referring_provider_id, referring_organization_id, service_line, location_preference, "
    "payer_class, source_channel, urgency, status, status_reason, first_contact_at, completed_at, closed_at"
)

# First booked appointment = the earliest created (ties by id), whatever its later status.
APPOINTMENT_FACTS = """
    SELECT (array_agg(a.start ORDER BY a.created_at, a.id))[1] AS first_start,
           count(*) FILTER (WHERE a.status = 'noshow') AS noshows,
           count(*) FILTER (WHERE a.status = 'fulfilled') AS fulfilled
    FROM appointments a WHERE a.referral_id = {referral}
"""

UPGRADE = [f"""
CREATE FUNCTION analytics_sync_referral() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO analytics_referral_facts (referral_id, {REFERRAL_COLUMNS})
    VALUES (NEW.id, {", ".join("NEW." + c.strip() for c in REFERRAL_COLUMNS.split(","))})
    ON CONFLICT (referral_id) DO UPDATE SET
        {", ".join(f"{c.strip()} = EXCLUDED.{c.strip()}" for c in REFERRAL_COLUMNS.split(","))};
    RETURN NULL;
END $$
""", f"""
CREATE TRIGGER analytics_referral_facts_sync
    AFTER INSERT OR UPDATE OF {REFERRAL_COLUMNS} ON referrals
    FOR EACH ROW EXECUTE FUNCTION analytics_sync_referral()
""", f"""
CREATE FUNCTION analytics_refresh_appointments(target uuid) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- Lock first, then count in a new statement (a new snapshot): a concurrent change to another of
    -- this referral's appointments has committed by then, so neither recount misses the other.
    PERFORM 1 FROM analytics_referral_facts WHERE referral_id = target FOR UPDATE;
    UPDATE analytics_referral_facts f
    SET first_appointment_start = s.first_start, noshow_appointments = s.noshows,
        fulfilled_appointments = s.fulfilled
    FROM ({APPOINTMENT_FACTS.format(referral="target")}) s
    WHERE f.referral_id = target;
END $$
""", """
CREATE FUNCTION analytics_sync_appointment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        PERFORM analytics_refresh_appointments(NEW.referral_id);
    END IF;
    IF TG_OP = 'DELETE' OR OLD.referral_id IS DISTINCT FROM NEW.referral_id THEN
        PERFORM analytics_refresh_appointments(OLD.referral_id);
    END IF;
    RETURN NULL;
END $$
""", """
CREATE TRIGGER analytics_appointment_facts_sync
    AFTER INSERT OR DELETE OR UPDATE OF referral_id, status, start, created_at ON appointments
    FOR EACH ROW EXECUTE FUNCTION analytics_sync_appointment()
""", f"""
INSERT INTO analytics_referral_facts (referral_id, {REFERRAL_COLUMNS}, first_appointment_start,
                                      noshow_appointments, fulfilled_appointments)
SELECT r.id, {", ".join("r." + c.strip() for c in REFERRAL_COLUMNS.split(","))}, ap.first_start,
       ap.noshows, ap.fulfilled
FROM referrals r CROSS JOIN LATERAL ({APPOINTMENT_FACTS.format(referral="r.id")}) ap
ON CONFLICT (referral_id) DO NOTHING
"""]

DOWNGRADE = [
    "DROP TRIGGER IF EXISTS analytics_appointment_facts_sync ON appointments",
    "DROP TRIGGER IF EXISTS analytics_referral_facts_sync ON referrals",
    "DROP FUNCTION IF EXISTS analytics_sync_appointment()",
    "DROP FUNCTION IF EXISTS analytics_refresh_appointments(uuid)",
    "DROP FUNCTION IF EXISTS analytics_sync_referral()",
    "DELETE FROM analytics_referral_facts",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
