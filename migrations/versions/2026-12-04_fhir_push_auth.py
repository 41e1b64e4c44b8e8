"""Outbound FHIR pushes carry credentials: per EHR client, the client id Refloop holds at that EHR,
its token endpoint (discovered from the EHR's smart-configuration when left empty) and the scope asked.

Revision ID: fhir_push_auth
Revises: journey
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "fhir_push_auth"
down_revision: str | None = "journey"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("ehr_clients", sa.Column("push_client_id", sa.String(length=200), nullable=True))
    op.add_column("ehr_clients", sa.Column("push_token_url", sa.String(length=500), nullable=True))
    op.add_column("ehr_clients", sa.Column("push_scope", sa.String(length=500), nullable=True))


def downgrade() -> None:
    op.drop_column("ehr_clients", "push_scope")
    op.drop_column("ehr_clients", "push_token_url")
    op.drop_column("ehr_clients", "push_client_id")
