"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 16:38:59.401601+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_events',
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('actor_kind', sa.String(length=16), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('entity_type', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=100), nullable=True),
    sa.Column('detail', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.Column('client_address', sa.String(length=64), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('status', sa.SmallInteger(), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    op.create_index('ix_audit_events_actor_at', 'audit_events', ['actor', 'at'], unique=False)
    op.create_index('ix_audit_events_at_id', 'audit_events', ['at', 'id'], unique=False)
    op.create_index('ix_audit_events_entity', 'audit_events', ['entity_type', 'entity_id', 'at'], unique=False)
    op.create_table('idempotency_keys',
    sa.Column('scope', sa.String(length=200), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('resource_id', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'key', name=op.f('pk_idempotency_keys'))
    )
    op.create_table('message_templates',
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.Text(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_templates')),
    sa.UniqueConstraint('kind', 'channel', name=op.f('uq_message_templates_kind_channel'))
    )
    op.create_table('organizations',
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('npi', sa.String(length=10), nullable=True),
    sa.Column('kind', sa.Enum('practice', 'hospital', 'health_system', 'payer', 'other', name='organizationkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('internal', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('parent_id', sa.UUID(), nullable=True),
    sa.Column('contact_points', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('address', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['organizations.id'], name=op.f('fk_organizations_parent_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organizations')),
    sa.UniqueConstraint('npi', name=op.f('uq_organizations_npi'))
    )
    op.create_index(op.f('ix_organizations_name'), 'organizations', ['name'], unique=False)
    op.create_table('providers',
    sa.Column('npi', sa.String(length=10), nullable=True),
    sa.Column('prefix', sa.String(length=20), nullable=True),
    sa.Column('given_name', sa.String(length=100), nullable=False),
    sa.Column('family_name', sa.String(length=100), nullable=False),
    sa.Column('suffix', sa.String(length=20), nullable=True),
    sa.Column('credentials', postgresql.ARRAY(sa.String(length=20)), server_default='{}', nullable=False),
    sa.Column('specialties', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('kind', sa.Enum('internal', 'external', name='providerkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('active', 'inactive', 'merged', name='providerstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('merged_into_id', sa.UUID(), nullable=True),
    sa.Column('preferred_contact_method', sa.Enum('email', 'phone', 'fax', 'direct', 'portal', 'fhir', 'sms', name='contactmethod', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('contact_points', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['merged_into_id'], ['providers.id'], name=op.f('fk_providers_merged_into_id_providers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_providers')),
    sa.UniqueConstraint('npi', name=op.f('uq_providers_npi'))
    )
    op.create_index('ix_providers_family_given', 'providers', ['family_name', 'given_name'], unique=False)
    op.create_index('ix_providers_specialties', 'providers', ['specialties'], unique=False, postgresql_using='gin', postgresql_ops={'specialties': 'jsonb_path_ops'})
    op.create_table('users',
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.Enum('admin', 'intake', 'liaison', 'clinician', 'analyst', name='role', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('queue', sa.String(length=100), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('api_keys',
    sa.Column('organization_id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('scopes', postgresql.ARRAY(sa.String(length=64)), server_default='{}', nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_api_keys_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('prefix', name=op.f('uq_api_keys_prefix'))
    )
    op.create_index(op.f('ix_api_keys_organization_id'), 'api_keys', ['organization_id'], unique=False)
    op.create_table('ehr_clients',
    sa.Column('client_id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('organization_id', sa.UUID(), nullable=True),
    sa.Column('jwks', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('scopes', postgresql.ARRAY(sa.String(length=64)), server_default='{}', nullable=False),
    sa.Column('fhir_base_url', sa.String(length=500), nullable=True),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_ehr_clients_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ehr_clients')),
    sa.UniqueConstraint('client_id', name=op.f('uq_ehr_clients_client_id'))
    )
    op.create_index('ix_ehr_clients_organization_id', 'ehr_clients', ['organization_id'], unique=False)
    op.create_table('fhir_resources',
    sa.Column('resource_type', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('provider_id', sa.UUID(), nullable=True),
    sa.Column('organization_id', sa.UUID(), nullable=True),
    sa.Column('resource', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_fhir_resources_organization_id_organizations')),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_fhir_resources_provider_id_providers')),
    sa.PrimaryKeyConstraint('resource_type', 'id', name=op.f('pk_fhir_resources'))
    )
    op.create_index('ix_fhir_resources_organization', 'fhir_resources', ['organization_id'], unique=False)
    op.create_index('ix_fhir_resources_provider', 'fhir_resources', ['provider_id'], unique=False)
    op.create_table('outreach_preferences',
    sa.Column('provider_id', sa.UUID(), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('check_in_days', sa.Integer(), nullable=True),
    sa.Column('last_check_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_outreach_preferences_provider_id_providers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outreach_preferences')),
    sa.UniqueConstraint('provider_id', name=op.f('uq_outreach_preferences_provider_id'))
    )
    op.create_table('provider_affiliations',
    sa.Column('provider_id', sa.UUID(), nullable=False),
    sa.Column('organization_id', sa.UUID(), nullable=False),
    sa.Column('role', sa.Enum('member', 'owner', 'hospital_privileges', 'medical_director', name='affiliationrole', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_provider_affiliations_organization_id_organizations')),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_provider_affiliations_provider_id_providers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provider_affiliations')),
    sa.UniqueConstraint('provider_id', 'organization_id', 'role', name=op.f('uq_provider_affiliations_provider_id_organization_id_role'))
    )
    op.create_index(op.f('ix_provider_affiliations_organization_id'), 'provider_affiliations', ['organization_id'], unique=False)
    op.create_table('provider_staff_contacts',
    sa.Column('provider_id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.Enum('office_manager', 'referral_coordinator', 'scheduler', 'nurse', 'medical_assistant', 'other', name='staffrole', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_provider_staff_contacts_provider_id_providers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provider_staff_contacts'))
    )
    op.create_index(op.f('ix_provider_staff_contacts_provider_id'), 'provider_staff_contacts', ['provider_id'], unique=False)
    op.create_table('refresh_tokens',
    sa.Column('family_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_refresh_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refresh_tokens'))
    )
    op.create_index(op.f('ix_refresh_tokens_family_id'), 'refresh_tokens', ['family_id'], unique=False)
    op.create_table('webhook_endpoints',
    sa.Column('organization_id', sa.UUID(), nullable=True),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('secret', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('kinds', postgresql.ARRAY(sa.String(length=40)), server_default='{}', nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_webhook_endpoints_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoints'))
    )
    op.create_index(op.f('ix_webhook_endpoints_organization_id'), 'webhook_endpoints', ['organization_id'], unique=False)
    op.create_table('referrals',
    sa.Column('source_system', sa.String(length=200), nullable=True),
    sa.Column('source_identifier', sa.String(length=200), nullable=True),
    sa.Column('source_channel', sa.Enum('fhir', 'partner_api', 'staff', 'fax', 'phone', 'email', name='sourcechannel', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('referral_source', sa.Enum('physician', 'hospital', 'emergency_department', 'urgent_care', 'payer', 'self_referral', 'other', name='referralsource', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('patient_given_name', sa.Text(), nullable=False),
    sa.Column('patient_family_name', sa.Text(), nullable=False),
    sa.Column('patient_birth_date', sa.Text(), nullable=False),
    sa.Column('patient_sex', sa.Text(), nullable=True),
    sa.Column('patient_phone', sa.Text(), nullable=True),
    sa.Column('patient_email', sa.Text(), nullable=True),
    sa.Column('patient_address', sa.Text(), nullable=True),
    sa.Column('patient_mrn', sa.Text(), nullable=True),
    sa.Column('patient_notes', sa.Text(), nullable=True),
    sa.Column('patient_mrn_index', sa.String(length=64), nullable=True),
    sa.Column('patient_name_dob_index', sa.String(length=64), nullable=False),
    sa.Column('referring_provider_id', sa.UUID(), nullable=True),
    sa.Column('referring_organization_id', sa.UUID(), nullable=True),
    sa.Column('receiving_provider_id', sa.UUID(), nullable=True),
    sa.Column('service_line', sa.String(length=100), nullable=False),
    sa.Column('specialty_code', sa.String(length=20), nullable=True),
    sa.Column('specialty_display', sa.String(length=200), nullable=True),
    sa.Column('urgency', sa.Enum('routine', 'urgent', 'asap', 'stat', name='urgency', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('icd10_codes', postgresql.ARRAY(sa.String(length=10)), server_default='{}', nullable=False),
    sa.Column('payer_name', sa.String(length=200), nullable=True),
    sa.Column('payer_class', sa.Enum('commercial', 'medicare', 'medicaid', 'tricare', 'workers_comp', 'self_pay', 'other', name='payerclass', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('location_preference', sa.String(length=200), nullable=True),
    sa.Column('status', sa.Enum('received', 'needs_info', 'accepted', 'scheduled', 'completed', 'closed', 'declined', 'cancelled', name='referralstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status_reason', sa.String(length=32), nullable=True),
    sa.Column('assignee_id', sa.UUID(), nullable=True),
    sa.Column('queue', sa.String(length=100), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_contact_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('needs_info_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('declined_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('no_show_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('fhir_client', sa.String(length=100), nullable=True),
    sa.Column('fhir_resource', sa.Text(), nullable=True),
    sa.Column('fhir_related', sa.Text(), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_referrals_assignee_id_users')),
    sa.ForeignKeyConstraint(['fhir_client'], ['ehr_clients.client_id'], name=op.f('fk_referrals_fhir_client_ehr_clients')),
    sa.ForeignKeyConstraint(['receiving_provider_id'], ['providers.id'], name=op.f('fk_referrals_receiving_provider_id_providers')),
    sa.ForeignKeyConstraint(['referring_organization_id'], ['organizations.id'], name=op.f('fk_referrals_referring_organization_id_organizations')),
    sa.ForeignKeyConstraint(['referring_provider_id'], ['providers.id'], name=op.f('fk_referrals_referring_provider_id_providers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals')),
    sa.UniqueConstraint('source_system', 'source_identifier', name=op.f('uq_referrals_source_system_source_identifier'))
    )
    op.create_index('ix_referrals_assignee_status', 'referrals', ['assignee_id', 'status'], unique=False)
    op.create_index('ix_referrals_org_received', 'referrals', ['referring_organization_id', 'received_at'], unique=False)
    op.create_index(op.f('ix_referrals_patient_mrn_index'), 'referrals', ['patient_mrn_index'], unique=False)
    op.create_index(op.f('ix_referrals_patient_name_dob_index'), 'referrals', ['patient_name_dob_index'], unique=False)
    op.create_index('ix_referrals_received_at_id', 'referrals', ['received_at', 'id'], unique=False)
    op.create_index(op.f('ix_referrals_receiving_provider_id'), 'referrals', ['receiving_provider_id'], unique=False)
    op.create_index('ix_referrals_referrer_received', 'referrals', ['referring_provider_id', 'received_at'], unique=False)
    op.create_index('ix_referrals_service_line_received', 'referrals', ['service_line', 'received_at'], unique=False)
    op.create_index('ix_referrals_status_received', 'referrals', ['status', 'received_at', 'id'], unique=False)
    op.create_table('analytics_referral_facts',
    sa.Column('referral_id', sa.UUID(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('referring_provider_id', sa.UUID(), nullable=True),
    sa.Column('referring_organization_id', sa.UUID(), nullable=True),
    sa.Column('service_line', sa.String(length=100), nullable=False),
    sa.Column('location_preference', sa.String(length=200), nullable=True),
    sa.Column('payer_class', sa.String(length=32), nullable=True),
    sa.Column('source_channel', sa.String(length=32), nullable=False),
    sa.Column('urgency', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('status_reason', sa.String(length=32), nullable=True),
    sa.Column('first_contact_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_appointment_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('noshow_appointments', sa.Integer(), server_default='0', nullable=False),
    sa.Column('fulfilled_appointments', sa.Integer(), server_default='0', nullable=False),
    sa.Column('contact_hours', sa.Double(), sa.Computed("date_part('epoch', first_contact_at - received_at) / 3600", ), nullable=True),
    sa.Column('appointment_days', sa.Double(), sa.Computed("date_part('epoch', first_appointment_start - received_at) / 86400", ), nullable=True),
    sa.Column('closure_hours', sa.Double(), sa.Computed("date_part('epoch', closed_at - completed_at) / 3600", ), nullable=True),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_analytics_referral_facts_referral_id_referrals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('referral_id', name=op.f('pk_analytics_referral_facts'))
    )
    op.create_index('ix_analytics_referral_facts_line_received', 'analytics_referral_facts', ['service_line', 'received_at'], unique=False)
    op.create_index('ix_analytics_referral_facts_org_received', 'analytics_referral_facts', ['referring_organization_id', 'received_at'], unique=False)
    op.create_index('ix_analytics_referral_facts_received', 'analytics_referral_facts', ['received_at'], unique=False)
    op.create_index('ix_analytics_referral_facts_referrer_received', 'analytics_referral_facts', ['referring_provider_id', 'received_at'], unique=False)
    op.create_table('appointments',
    sa.Column('referral_id', sa.UUID(), nullable=False),
    sa.Column('status', sa.Enum('booked', 'arrived', 'fulfilled', 'cancelled', 'noshow', name='appointmentstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('provider_id', sa.UUID(), nullable=True),
    sa.Column('location', sa.String(length=200), nullable=True),
    sa.Column('source_system', sa.String(length=200), nullable=True),
    sa.Column('source_identifier', sa.String(length=200), nullable=True),
    sa.Column('cancel_reason', sa.String(length=200), nullable=True),
    sa.Column('fhir_resource', sa.Text(), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_appointments_provider_id_providers')),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_appointments_referral_id_referrals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments')),
    sa.UniqueConstraint('source_system', 'source_identifier', name=op.f('uq_appointments_source_system_source_identifier'))
    )
    op.create_index(op.f('ix_appointments_referral_id'), 'appointments', ['referral_id'], unique=False)
    op.create_table('outbox_messages',
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('recipient_type', sa.String(length=30), nullable=False),
    sa.Column('recipient_id', sa.UUID(), nullable=True),
    sa.Column('recipient_address', sa.String(length=254), nullable=True),
    sa.Column('referral_id', sa.UUID(), nullable=True),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('status', sa.Enum('queued', 'sent', 'failed', 'suppressed', name='outbox_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('suppressed_rule', sa.String(length=60), nullable=True),
    sa.Column('digest_id', sa.UUID(), nullable=True),
    sa.Column('not_before', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('max_attempts', sa.Integer(), server_default='6', nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('external_id', sa.String(length=300), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_outbox_messages_referral_id_referrals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_outbox_messages_idempotency_key'))
    )
    op.create_index('ix_outbox_created_id', 'outbox_messages', ['created_at', 'id'], unique=False)
    op.create_index('ix_outbox_due', 'outbox_messages', ['not_before'], unique=False, postgresql_where=sa.text("status = 'queued'"))
    op.create_index('ix_outbox_recipient_sent', 'outbox_messages', ['recipient_type', 'recipient_id', 'sent_at'], unique=False)
    op.create_index('ix_outbox_referral_created', 'outbox_messages', ['referral_id', 'created_at'], unique=False)
    op.create_table('referral_events',
    sa.Column('referral_id', sa.UUID(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.Enum('created', 'transition', 'updated', 'assigned', 'appointment', 'contact_attempt', 'note', 'task', 'message', name='eventkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('from_status', sa.Enum('received', 'needs_info', 'accepted', 'scheduled', 'completed', 'closed', 'declined', 'cancelled', name='from_status', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('to_status', sa.Enum('received', 'needs_info', 'accepted', 'scheduled', 'completed', 'closed', 'declined', 'cancelled', name='to_status', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('detail', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_referral_events_referral_id_referrals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_events'))
    )
    op.create_index('ix_referral_events_referral_at', 'referral_events', ['referral_id', 'at'], unique=False)
    op.create_table('tasks',
    sa.Column('type', sa.Enum('call_patient', 'request_info', 'schedule', 'verify_insurance', 'follow_up', 'send_records', 'outreach', 'other', name='tasktype', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('referral_id', sa.UUID(), nullable=True),
    sa.Column('provider_id', sa.UUID(), nullable=True),
    sa.Column('assignee_id', sa.UUID(), nullable=True),
    sa.Column('queue', sa.String(length=100), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('priority', sa.Enum('low', 'normal', 'high', 'urgent', name='taskpriority', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('open', 'in_progress', 'done', 'cancelled', name='taskstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_tasks_assignee_id_users')),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_tasks_provider_id_providers')),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_tasks_referral_id_referrals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tasks'))
    )
    op.create_index('ix_tasks_assignee_status_due', 'tasks', ['assignee_id', 'status', 'due_at'], unique=False)
    op.create_index('ix_tasks_due_at_id', 'tasks', ['due_at', 'id'], unique=False)
    op.create_index(op.f('ix_tasks_provider_id'), 'tasks', ['provider_id'], unique=False)
    op.create_index(op.f('ix_tasks_referral_id'), 'tasks', ['referral_id'], unique=False)
    op.create_index('ix_tasks_status_due', 'tasks', ['status', 'due_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_tasks_status_due', table_name='tasks')
    op.drop_index(op.f('ix_tasks_referral_id'), table_name='tasks')
    op.drop_index(op.f('ix_tasks_provider_id'), table_name='tasks')
    op.drop_index('ix_tasks_due_at_id', table_name='tasks')
    op.drop_index('ix_tasks_assignee_status_due', table_name='tasks')
    op.drop_table('tasks')
    op.drop_index('ix_referral_events_referral_at', table_name='referral_events')
    op.drop_table('referral_events')
    op.drop_index('ix_outbox_referral_created', table_name='outbox_messages')
    op.drop_index('ix_outbox_recipient_sent', table_name='outbox_messages')
    op.drop_index('ix_outbox_due', table_name='outbox_messages', postgresql_where=sa.text("status = 'queued'"))
    op.drop_index('ix_outbox_created_id', table_name='outbox_messages')
    op.drop_table('outbox_messages')
    op.drop_index(op.f('ix_appointments_referral_id'), table_name='appointments')
    op.drop_table('appointments')
    op.drop_index('ix_analytics_referral_facts_referrer_received', table_name='analytics_referral_facts')
    op.drop_index('ix_analytics_referral_facts_received', table_name='analytics_referral_facts')
    op.drop_index('ix_analytics_referral_facts_org_received', table_name='analytics_referral_facts')
    op.drop_index('ix_analytics_referral_facts_line_received', table_name='analytics_referral_facts')
    op.drop_table('analytics_referral_facts')
    op.drop_index('ix_referrals_status_received', table_name='referrals')
    op.drop_index('ix_referrals_service_line_received', table_name='referrals')
    op.drop_index('ix_referrals_referrer_received', table_name='referrals')
    op.drop_index(op.f('ix_referrals_receiving_provider_id'), table_name='referrals')
    op.drop_index('ix_referrals_received_at_id', table_name='referrals')
    op.drop_index(op.f('ix_referrals_patient_name_dob_index'), table_name='referrals')
    op.drop_index(op.f('ix_referrals_patient_mrn_index'), table_name='referrals')
    op.drop_index('ix_referrals_org_received', table_name='referrals')
    op.drop_index('ix_referrals_assignee_status', table_name='referrals')
    op.drop_table('referrals')
    op.drop_index(op.f('ix_webhook_endpoints_organization_id'), table_name='webhook_endpoints')
    op.drop_table('webhook_endpoints')
    op.drop_index(op.f('ix_refresh_tokens_family_id'), table_name='refresh_tokens')
    op.drop_table('refresh_tokens')
    op.drop_index(op.f('ix_provider_staff_contacts_provider_id'), table_name='provider_staff_contacts')
    op.drop_table('provider_staff_contacts')
    op.drop_index(op.f('ix_provider_affiliations_organization_id'), table_name='provider_affiliations')
    op.drop_table('provider_affiliations')
    op.drop_table('outreach_preferences')
    op.drop_index('ix_fhir_resources_provider', table_name='fhir_resources')
    op.drop_index('ix_fhir_resources_organization', table_name='fhir_resources')
    op.drop_table('fhir_resources')
    op.drop_index('ix_ehr_clients_organization_id', table_name='ehr_clients')
    op.drop_table('ehr_clients')
    op.drop_index(op.f('ix_api_keys_organization_id'), table_name='api_keys')
    op.drop_table('api_keys')
    op.drop_table('users')
    op.drop_index('ix_providers_specialties', table_name='providers', postgresql_using='gin', postgresql_ops={'specialties': 'jsonb_path_ops'})
    op.drop_index('ix_providers_family_given', table_name='providers')
    op.drop_table('providers')
    op.drop_index(op.f('ix_organizations_name'), table_name='organizations')
    op.drop_table('organizations')
    op.drop_table('message_templates')
    op.drop_table('idempotency_keys')
    op.drop_index('ix_audit_events_entity', table_name='audit_events')
    op.drop_index('ix_audit_events_at_id', table_name='audit_events')
    op.drop_index('ix_audit_events_actor_at', table_name='audit_events')
    op.drop_table('audit_events')
