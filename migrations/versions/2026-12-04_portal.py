"""portal: referrer accounts bound to a practice, a referral's message thread, the service catalog

Revision ID: portal
Revises: practice_reports
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "portal"
down_revision: str | None = "patient_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAFF_ROLES = ("admin", "intake", "liaison", "clinician", "analyst")
CHANNELS = ("fhir", "partner_api", "staff", "fax", "phone", "email")


def _allow(table: str, constraint: str, column: str, values: tuple[str, ...]) -> None:
    op.drop_constraint(op.f(constraint), table, type_="check")
    listed = ", ".join(f"'{v}'" for v in values)
    op.create_check_constraint(op.f(constraint), table, f"{column} IN ({listed})")


def upgrade() -> None:
    _allow("users", "ck_users_role", "role", (*STAFF_ROLES, "referrer"))
    _allow("invitations", "ck_invitations_invitation_role", "role", (*STAFF_ROLES, "referrer"))
    _allow("referrals", "ck_referrals_sourcechannel", "source_channel", (*CHANNELS, "portal"))
    op.add_column("users", sa.Column("organization_id", sa.UUID(), nullable=True))
    op.create_foreign_key(op.f("fk_users_organization_id_organizations"), "users", "organizations",
                          ["organization_id"], ["id"])
    op.create_index(op.f("ix_users_organization_id"), "users", ["organization_id"])
    op.add_column("invitations", sa.Column("organization_id", sa.UUID(), nullable=True))
    op.create_foreign_key(op.f("fk_invitations_organization_id_organizations"), "invitations", "organizations",
                          ["organization_id"], ["id"])
    op.create_table(
        "referral_thread_messages",
        sa.Column("referral_id", sa.UUID(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author_id", sa.UUID(), nullable=False),
        sa.Column("side", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"],
                                name=op.f("fk_referral_thread_messages_author_id_users")),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"],
                                name=op.f("fk_referral_thread_messages_referral_id_referrals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_thread_messages")),
    )
    op.create_index("ix_referral_thread_messages_referral_at", "referral_thread_messages", ["referral_id", "at"])
    op.create_table(
        "catalog_entries",
        sa.Column("service_line", sa.String(length=64), nullable=False),
        sa.Column("referral_criteria", sa.String(length=4000), nullable=True),
        sa.Column("payer_classes", postgresql.ARRAY(sa.String(length=32)), server_default="{}", nullable=False),
        sa.Column("locations", postgresql.ARRAY(sa.String(length=200)), server_default="{}", nullable=False),
        sa.Column("scheduling_contact", postgresql.JSONB(astext_type=sa.Text()), server_default="{}",
                  nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("service_line", name=op.f("pk_catalog_entries")),
    )


def downgrade() -> None:
    op.drop_table("catalog_entries")
    op.drop_index("ix_referral_thread_messages_referral_at", table_name="referral_thread_messages")
    op.drop_table("referral_thread_messages")
    op.drop_constraint(op.f("fk_invitations_organization_id_organizations"), "invitations", type_="foreignkey")
    op.drop_column("invitations", "organization_id")
    op.drop_index(op.f("ix_users_organization_id"), table_name="users")
    op.drop_constraint(op.f("fk_users_organization_id_organizations"), "users", type_="foreignkey")
    op.drop_column("users", "organization_id")
    _allow("referrals", "ck_referrals_sourcechannel", "source_channel", CHANNELS)
    _allow("invitations", "ck_invitations_invitation_role", "role", STAFF_ROLES)
    _allow("users", "ck_users_role", "role", STAFF_ROLES)
