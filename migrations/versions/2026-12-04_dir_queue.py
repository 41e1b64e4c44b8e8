"""dir_queue: the duplicate review queue is stored and refreshed in the background; hygiene flags in SQL

`provider_duplicate_candidates` holds the scored pairs (refreshed by a worker, domain/providers/queue.py);
a pair leaves the table in the same transaction as any change to either record, its affiliations or its
practices' addresses (triggers below), so the queue never shows a pair scored on old values.
`providers.npi_invalid` and `providers.unknown_taxonomy` are kept by a trigger, so the hygiene report
counts in SQL; `nucc_taxonomy_codes` is the shipped NUCC code set the trigger checks against. A new NUCC
version needs a migration that refills the table and touches `specialties` to recompute the flags.

Revision ID: dir_queue
Revises: analytics_rollups
Create Date: 2026-12-04 20:40:00+00:00
"""

import csv
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "dir_queue"
down_revision: str | None = "analytics_rollups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NUCC_CSV = Path(__file__).resolve().parents[2] / "domain" / "reference" / "data" / "nucc_taxonomy.csv"

# The hygiene report's rarer kinds, newest first, without a scan.
PARTIAL_INDEXES = {
    "ix_providers_npi_invalid": "npi_invalid",
    "ix_providers_unknown_taxonomy": "cardinality(unknown_taxonomy) > 0",
    "ix_providers_bad_contact": """contact_points @> '[{"bad": true}]'""",
}

FUNCTIONS = [
    # Luhn over the NPI with the 80840 prefix, as domain/providers/schemas.npi_check_digit_ok.
    """
CREATE FUNCTION providers_hygiene() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    digits text;
    total int := 0;
    d int;
BEGIN
    NEW.npi_invalid := false;
    IF coalesce(NEW.npi, '') <> '' THEN
        IF NEW.npi !~ '^[0-9]{10}$' THEN
            NEW.npi_invalid := true;
        ELSE
            digits := reverse('80840' || NEW.npi);
            FOR i IN 1..length(digits) LOOP
                d := substr(digits, i, 1)::int;
                IF i % 2 = 0 THEN
                    d := CASE WHEN d > 4 THEN d * 2 - 9 ELSE d * 2 END;
                END IF;
                total := total + d;
            END LOOP;
            NEW.npi_invalid := total % 10 <> 0;
        END IF;
    END IF;
    NEW.unknown_taxonomy := ARRAY(
        SELECT coalesce(s ->> 'code', '')
        FROM jsonb_array_elements(CASE jsonb_typeof(NEW.specialties) WHEN 'array' THEN NEW.specialties
                                  ELSE '[]'::jsonb END) s
        WHERE NOT EXISTS (SELECT 1 FROM nucc_taxonomy_codes n WHERE n.code = s ->> 'code')
    );
    RETURN NEW;
END $$
""",
    """
CREATE FUNCTION provider_duplicates_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'providers' THEN
        DELETE FROM provider_duplicate_candidates WHERE first_id = NEW.id OR second_id = NEW.id;
    ELSIF TG_TABLE_NAME = 'provider_affiliations' THEN
        DELETE FROM provider_duplicate_candidates c
        WHERE c.first_id = CASE WHEN TG_OP = 'DELETE' THEN OLD.provider_id ELSE NEW.provider_id END
           OR c.second_id = CASE WHEN TG_OP = 'DELETE' THEN OLD.provider_id ELSE NEW.provider_id END;
    ELSE
        DELETE FROM provider_duplicate_candidates c
        USING provider_affiliations a
        WHERE a.organization_id = NEW.id AND (c.first_id = a.provider_id OR c.second_id = a.provider_id);
    END IF;
    RETURN NULL;
END $$
""",
]

TRIGGERS = [
    """
CREATE TRIGGER providers_hygiene
    BEFORE INSERT OR UPDATE OF npi, specialties ON providers
    FOR EACH ROW EXECUTE FUNCTION providers_hygiene()
""",
    """
CREATE TRIGGER providers_forget_duplicates
    AFTER UPDATE OF given_name, family_name, npi, contact_points, specialties, status ON providers
    FOR EACH ROW WHEN (
        (OLD.given_name, OLD.family_name, OLD.npi, OLD.contact_points, OLD.specialties, OLD.status)
        IS DISTINCT FROM (NEW.given_name, NEW.family_name, NEW.npi, NEW.contact_points, NEW.specialties, NEW.status)
    )
    EXECUTE FUNCTION provider_duplicates_forget()
""",
    """
CREATE TRIGGER provider_affiliations_forget_duplicates
    AFTER INSERT OR DELETE OR UPDATE OF provider_id, organization_id ON provider_affiliations
    FOR EACH ROW EXECUTE FUNCTION provider_duplicates_forget()
""",
    """
CREATE TRIGGER organizations_forget_duplicates
    AFTER UPDATE OF address ON organizations
    FOR EACH ROW WHEN (OLD.address IS DISTINCT FROM NEW.address)
    EXECUTE FUNCTION provider_duplicates_forget()
""",
]


def upgrade() -> None:
    op.create_table(
        "nucc_taxonomy_codes",
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_nucc_taxonomy_codes")),
    )
    with NUCC_CSV.open(newline="") as handle:
        codes = [{"code": row["code"]} for row in csv.DictReader(handle)]
    op.bulk_insert(sa.table("nucc_taxonomy_codes", sa.column("code", sa.String)), codes)

    op.add_column("providers", sa.Column("npi_invalid", sa.Boolean(), server_default="false", nullable=False))
    op.add_column(
        "providers",
        sa.Column("unknown_taxonomy", postgresql.ARRAY(sa.String(length=20)), server_default="{}", nullable=False),
    )
    op.create_index("ix_providers_created_at", "providers", ["created_at"])
    for name, where in PARTIAL_INDEXES.items():
        op.create_index(name, "providers", ["created_at"], postgresql_where=sa.text(where))

    op.create_table(
        "provider_duplicate_candidates",
        sa.Column("first_id", sa.UUID(), nullable=False),
        sa.Column("second_id", sa.UUID(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("first_id < second_id", name=op.f("ck_provider_duplicate_candidates_ordered")),
        sa.ForeignKeyConstraint(
            ["first_id"],
            ["providers.id"],
            name=op.f("fk_provider_duplicate_candidates_first_id_providers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["second_id"],
            ["providers.id"],
            name=op.f("fk_provider_duplicate_candidates_second_id_providers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("first_id", "second_id", name=op.f("pk_provider_duplicate_candidates")),
    )
    op.create_index(op.f("ix_provider_duplicate_candidates_second_id"), "provider_duplicate_candidates", ["second_id"])
    op.create_index(
        "ix_provider_duplicate_candidates_rank",
        "provider_duplicate_candidates",
        [sa.text("score DESC"), "first_id", "second_id"],
    )
    op.create_table(
        "provider_duplicate_refreshes",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rescored", sa.Integer(), nullable=False),
        sa.Column("pairs", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_duplicate_refreshes")),
    )
    op.create_index(op.f("ix_provider_duplicate_refreshes_started_at"), "provider_duplicate_refreshes", ["started_at"])
    for statement in FUNCTIONS + TRIGGERS:
        op.execute(statement)
    # Existing rows get their flags: the trigger fires on this no-op update of `specialties`.
    op.execute("UPDATE providers SET specialties = specialties")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS organizations_forget_duplicates ON organizations")
    op.execute("DROP TRIGGER IF EXISTS provider_affiliations_forget_duplicates ON provider_affiliations")
    op.execute("DROP TRIGGER IF EXISTS providers_forget_duplicates ON providers")
    op.execute("DROP TRIGGER IF EXISTS providers_hygiene ON providers")
    op.execute("DROP FUNCTION IF EXISTS provider_duplicates_forget()")
    op.execute("DROP FUNCTION IF EXISTS providers_hygiene()")
    op.drop_index(op.f("ix_provider_duplicate_refreshes_started_at"), table_name="provider_duplicate_refreshes")
    op.drop_table("provider_duplicate_refreshes")
    op.drop_index("ix_provider_duplicate_candidates_rank", table_name="provider_duplicate_candidates")
    op.drop_index(op.f("ix_provider_duplicate_candidates_second_id"), table_name="provider_duplicate_candidates")
    op.drop_table("provider_duplicate_candidates")
    for name in PARTIAL_INDEXES:
        op.drop_index(name, table_name="providers")
    op.drop_index("ix_providers_created_at", table_name="providers")
    op.drop_column("providers", "unknown_taxonomy")
    op.drop_column("providers", "npi_invalid")
    op.drop_table("nucc_taxonomy_codes")
