"""Invitations and reset links for staff accounts, and the sealed words of each sent message.

Revision ID: invitations
Revises: duplicates
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'invitations'
down_revision: str | None = "duplicates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('invitations',
    sa.Column('purpose', sa.String(length=10), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.Enum('admin', 'intake', 'liaison', 'clinician', 'analyst', name='invitation_role', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('queue', sa.String(length=100), nullable=True),
    sa.Column('user_id', sa.UUID(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('invited_by', sa.String(length=120), nullable=False),
    sa.Column('message_id', sa.UUID(), nullable=True),
    sa.Column('sends', sa.Integer(), server_default='1', nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_invitations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitations_token_hash'))
    )
    op.create_index(op.f('ix_invitations_email'), 'invitations', ['email'], unique=False)
    op.add_column('outbox_messages', sa.Column('sent_subject', sa.Text(), nullable=True))
    op.add_column('outbox_messages', sa.Column('sent_body', sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column('outbox_messages', 'sent_body')
    op.drop_column('outbox_messages', 'sent_subject')
    op.drop_index(op.f('ix_invitations_email'), table_name='invitations')
    op.drop_table('invitations')
