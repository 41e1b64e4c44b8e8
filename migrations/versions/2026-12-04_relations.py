"""relations: referral history imports, referrer figures, cooling episodes, liaison ownership,
touchpoints, programs and their costs, the fee schedule and relationship settings

Revision ID: relations
Revises: speed
Create Date: 2026-12-04 05:20:21.477467+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'relations'
down_revision: str | None = "speed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('fee_schedule',
    sa.Column('service_line', sa.String(length=100), nullable=False),
    sa.Column('payer_class', sa.String(length=32), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.PrimaryKeyConstraint('service_line', 'payer_class', name=op.f('pk_fee_schedule'))
    )
    op.create_table('programs',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programs')),
    sa.UniqueConstraint('name', name=op.f('uq_programs_name'))
    )
    op.create_table('referral_imports',
    sa.Column('file_hash', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=300), nullable=True),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('loaded', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('imported_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_imports')),
    sa.UniqueConstraint('file_hash', name=op.f('uq_referral_imports_file_hash'))
    )
    op.create_table('referrer_figures',
    sa.Column('subject_kind', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.UUID(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('volume', sa.Integer(), nullable=False),
    sa.Column('prior_volume', sa.Integer(), nullable=False),
    sa.Column('conversion_rate', sa.Double(), nullable=True),
    sa.Column('median_days_to_appointment', sa.Double(), nullable=True),
    sa.Column('leakage_rate', sa.Double(), nullable=True),
    sa.Column('loop_closure_rate', sa.Double(), nullable=True),
    sa.Column('revenue', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('trend', sa.Double(), nullable=True),
    sa.Column('weekly', postgresql.ARRAY(sa.Integer()), nullable=False),
    sa.Column('score', sa.Double(), nullable=True),
    sa.Column('tier', sa.String(length=1), nullable=True),
    sa.Column('segment', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('year_volume', sa.Integer(), nullable=False),
    sa.Column('year_conversion', sa.Double(), nullable=True),
    sa.Column('growth', sa.Double(), nullable=True),
    sa.Column('strategic_share', sa.Double(), nullable=True),
    sa.PrimaryKeyConstraint('subject_kind', 'subject_id', name=op.f('pk_referrer_figures'))
    )
    op.create_index('ix_referrer_figures_kind_volume', 'referrer_figures', ['subject_kind', 'volume'], unique=False)
    op.create_table('relationship_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('weights', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('strategic_service_lines', postgresql.ARRAY(sa.String(length=100)), server_default='{}', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_relationship_settings'))
    )
    op.create_table('program_costs',
    sa.Column('program_id', sa.UUID(), nullable=False),
    sa.Column('incurred_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_program_costs_program_id_programs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_program_costs'))
    )
    op.create_index(op.f('ix_program_costs_program_id'), 'program_costs', ['program_id'], unique=False)
    op.create_table('referrer_owners',
    sa.Column('provider_id', sa.UUID(), nullable=False),
    sa.Column('liaison_id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['liaison_id'], ['users.id'], name=op.f('fk_referrer_owners_liaison_id_users')),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_referrer_owners_provider_id_providers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('provider_id', name=op.f('pk_referrer_owners'))
    )
    op.create_index(op.f('ix_referrer_owners_liaison_id'), 'referrer_owners', ['liaison_id'], unique=False)
    op.create_table('referral_revenue',
    sa.Column('referral_id', sa.UUID(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_referral_revenue_referral_id_referrals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('referral_id', name=op.f('pk_referral_revenue'))
    )
    op.create_table('cooling_episodes',
    sa.Column('provider_id', sa.UUID(), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('observed', sa.Integer(), nullable=False),
    sa.Column('expected', sa.Double(), nullable=False),
    sa.Column('baseline', sa.Double(), nullable=False),
    sa.Column('seasonal_factor', sa.Double(), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_cooling_episodes_provider_id_providers')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_cooling_episodes_task_id_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cooling_episodes'))
    )
    op.create_index('uq_cooling_episodes_open', 'cooling_episodes', ['provider_id'], unique=True, postgresql_where='closed_on IS NULL')
    op.create_table('touchpoints',
    sa.Column('provider_id', sa.UUID(), nullable=True),
    sa.Column('organization_id', sa.UUID(), nullable=True),
    sa.Column('liaison_id', sa.UUID(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('program_id', sa.UUID(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('outcome', sa.String(length=300), nullable=True),
    sa.Column('follow_up_on', sa.Date(), nullable=True),
    sa.Column('task_id', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['liaison_id'], ['users.id'], name=op.f('fk_touchpoints_liaison_id_users')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_touchpoints_organization_id_organizations')),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_touchpoints_program_id_programs')),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_touchpoints_provider_id_providers')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_touchpoints_task_id_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_touchpoints'))
    )
    op.create_index('ix_touchpoints_organization_at', 'touchpoints', ['organization_id', 'occurred_at'], unique=False)
    op.create_index('ix_touchpoints_provider_at', 'touchpoints', ['provider_id', 'occurred_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_touchpoints_provider_at', table_name='touchpoints')
    op.drop_index('ix_touchpoints_organization_at', table_name='touchpoints')
    op.drop_table('touchpoints')
    op.drop_index('uq_cooling_episodes_open', table_name='cooling_episodes', postgresql_where='closed_on IS NULL')
    op.drop_table('cooling_episodes')
    op.drop_table('referral_revenue')
    op.drop_index(op.f('ix_referrer_owners_liaison_id'), table_name='referrer_owners')
    op.drop_table('referrer_owners')
    op.drop_index(op.f('ix_program_costs_program_id'), table_name='program_costs')
    op.drop_table('program_costs')
    op.drop_table('relationship_settings')
    op.drop_index('ix_referrer_figures_kind_volume', table_name='referrer_figures')
    op.drop_table('referrer_figures')
    op.drop_table('referral_imports')
    op.drop_table('programs')
    op.drop_table('fee_schedule')
