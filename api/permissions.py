"""The permission matrix: who may call which route, enforced from here and nowhere else.

Rows are keyed by operation id (`<tag>-<function name>`, as in the OpenAPI contract).
The app-wide guard (api.auth.guard) looks up the row of every request; a route with
no row is refused to everyone but admins, and tests/test_permissions.py fails the
build until it gets one. `python -m api.permissions` writes docs/permissions.md.

Columns are staff roles, `referrer` (a referring practice's person in the portal, acting for
its organisation only, like a partner key), `partner` (an API key, acting for its organisation only)
and `ehr_client` (SMART Backend Services; FHIR rows also need the matching scope).
"""

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROLES = ("admin", "intake", "liaison", "clinician", "analyst", "referrer")
PRINCIPALS = (*ROLES, "partner", "ehr_client")
DOC = Path(__file__).resolve().parent.parent / "docs" / "permissions.md"


@dataclass(frozen=True)
class Rule:
    allow: frozenset[str] = frozenset()
    open: bool = False
    # Audit action written for every call (`<entity>.<verb>`), on top of what services note.
    audit: str | None = None
    # A partner key must also hold this scope.
    partner_scope: str | None = None
    # SMART (resource type, read|write) an EHR client's token must grant.
    fhir: tuple[str, str] | None = None
    notes: str = field(default="", compare=False)

    def admits(self, name: str, scopes: frozenset[str] = frozenset()) -> bool:
        from domain.identity import smart_scopes

        if self.open:
            return True
        if name not in self.allow:
            return False
        if name == "partner" and self.partner_scope:
            return self.partner_scope in scopes
        if name == "ehr_client":
            if self.fhir == ("*", "entries"):
                return bool(scopes)
            return self.fhir is not None and smart_scopes.allows(scopes, *self.fhir)
        return True


def rule(*who: str, audit: str | None = None, partner_scope: str | None = None, notes: str = "") -> Rule:
    unknown = set(who) - set(PRINCIPALS)
    assert not unknown, f"unknown principals {unknown}"
    return Rule(allow=frozenset(who), audit=audit, partner_scope=partner_scope, notes=notes)


OPEN = Rule(open=True)
ADMIN_ONLY = rule("admin")
STAFF = ("admin", "intake", "liaison", "clinician", "analyst")
SIGNED_IN = (*STAFF, "referrer")  # every person with an account
CARE_TEAM = ("admin", "intake", "liaison", "clinician")  # staff who see patients; never analyst

# Staff roles allowed on the FHIR facade, by (resource kind, access).
DIRECTORY_RESOURCES = frozenset({"Practitioner", "PractitionerRole", "Organization", "Location", "HealthcareService"})
FHIR_STAFF = {
    ("clinical", "read"): ("admin", "intake", "clinician"),
    ("clinical", "write"): ("admin", "intake"),
    ("directory", "read"): ("admin", "intake", "liaison", "clinician"),
    ("directory", "write"): ("admin", "liaison"),
}
FHIR_CLINICIAN_WRITES = frozenset({"Appointment", "Task"})


def fhir_staff_roles(resource_type: str, access: str) -> tuple[str, ...]:
    kind = "directory" if resource_type in DIRECTORY_RESOURCES else "clinical"
    roles = FHIR_STAFF[(kind, access)]
    if access == "write" and resource_type in FHIR_CLINICIAN_WRITES:
        roles = (*roles, "clinician")
    return roles


def fhir(resource_type: str, access: str, *, audit: str | None = None) -> Rule:
    return Rule(
        allow=frozenset({*fhir_staff_roles(resource_type, access), "ehr_client"}),
        fhir=(resource_type, access),
        audit=audit,
    )


RULES: dict[str, Rule] = {
    # Open: health, the token endpoints.
    "health-healthz": OPEN,
    "health-readyz": OPEN,
    "health-metrics": ADMIN_ONLY,
    "auth-login": Rule(open=True, audit="user.login"),
    "auth-refresh_tokens": Rule(open=True, audit="user.refresh"),
    "auth-smart_token": Rule(open=True, audit="ehr_client.token"),
    "auth-logout": rule(*SIGNED_IN, audit="user.logout"),
    # The one-time e-mailed links: the token is the credential.
    "auth-open_invitation": Rule(open=True, audit="invitation.open"),
    "auth-accept_invitation": Rule(open=True, audit="invitation.accept"),
    "auth-me": rule(*SIGNED_IN),
    # Referrals: patient data. Partners see their own organisation's only (404 otherwise).
    "referrals-create_referral": rule(
        "admin", "intake", "referrer", "partner", audit="referral.create", partner_scope="referrals:write"
    ),
    "referrals-list_referrals": rule(
        *CARE_TEAM, "referrer", "partner", audit="referral.list", partner_scope="referrals:read"
    ),
    "referrals-get_referral": rule(
        *CARE_TEAM, "referrer", "partner", audit="referral.read", partner_scope="referrals:read"
    ),
    "referrals-update_referral": rule("admin", "intake", audit="referral.update"),
    "referrals-transition_referral": rule("admin", "intake", "clinician", audit="referral.transition"),
    "referrals-record_contact_attempt": rule("admin", "intake", "clinician", audit="referral.contact_attempt"),
    "referrals-list_referral_events": rule(*CARE_TEAM, audit="referral.events"),
    # Appointments belong to referrals: same sensitivity.
    "appointments-create_appointment": rule("admin", "intake", "clinician", audit="appointment.create"),
    "appointments-list_appointments": rule(*CARE_TEAM, audit="appointment.list"),
    "appointments-get_appointment": rule(*CARE_TEAM, audit="appointment.read"),
    "appointments-update_appointment": rule("admin", "intake", "clinician", audit="appointment.update"),
    # Administration: users, keys, EHR clients, the audit log.
    "users-create_user": rule("admin", audit="user.create"),
    "users-list_users": rule("admin", audit="user.list"),
    "users-get_user": rule("admin", audit="user.read"),
    "users-update_user": rule("admin", audit="user.update"),
    "users-unlock_user": rule("admin", audit="user.unlock"),
    "users-send_reset_link": rule("admin", audit="user.reset_link"),
    "invitations-create_invitation": rule("admin", audit="invitation.create"),
    "invitations-list_invitations": rule("admin", audit="invitation.list"),
    "invitations-resend_invitation": rule("admin", audit="invitation.resend"),
    "invitations-revoke_invitation": rule("admin", audit="invitation.revoke"),
    "api-keys-create_api_key": rule("admin", audit="api_key.create"),
    "api-keys-list_api_keys": rule("admin", audit="api_key.list"),
    "api-keys-get_api_key": rule("admin", audit="api_key.read"),
    "api-keys-revoke_api_key": rule("admin", audit="api_key.revoke"),
    "ehr-clients-register_ehr_client": rule("admin", audit="ehr_client.create"),
    "ehr-clients-list_ehr_clients": rule("admin", audit="ehr_client.list"),
    "ehr-clients-get_ehr_client": rule("admin", audit="ehr_client.read"),
    "ehr-clients-update_ehr_client": rule("admin", audit="ehr_client.update"),
    "audit-list_audit_events": rule("admin", audit="audit.list"),
    # Tasks point at referrals and can name the patient in their text: care team only, audited.
    "tasks-create_task": rule("admin", "intake", "liaison", "clinician", audit="task.create"),
    "tasks-list_tasks": rule(*CARE_TEAM, audit="task.list"),
    "tasks-get_task": rule(*CARE_TEAM, audit="task.read"),
    "tasks-update_task": rule("admin", "intake", "liaison", "clinician", audit="task.update"),
    # The physician directory: no patient data. Analysts may read it to pick referrers for their filters.
    "organizations-create_organization": rule("admin", "liaison", audit="organization.create"),
    "organizations-list_organizations": rule(*STAFF),
    "organizations-get_organization": rule(*STAFF),
    "organizations-update_organization": rule("admin", "liaison", audit="organization.update"),
    "providers-create_provider": rule("admin", "intake", "liaison", audit="provider.create"),
    "providers-list_providers": rule(*STAFF),
    "providers-get_provider": rule(*STAFF),
    "providers-update_provider": rule("admin", "intake", "liaison", audit="provider.update"),
    "providers-list_duplicates": rule("admin", "intake", "liaison"),
    "providers-merge_provider": rule("admin", "liaison", audit="provider.merge"),
    # Aggregates over a referrer's referrals, no patient data: whoever reads the analytics summary.
    "providers-referral_patterns": rule("admin", "analyst", "liaison"),
    # The duplicate review queue belongs to the provider-relations team (admins and liaisons): a merge
    # repoints referrals and history, so intake may see a record's likely duplicates but not merge them.
    "directory-list_duplicate_pairs": rule("admin", "liaison"),
    "directory-last_duplicate_refresh": rule("admin", "liaison"),
    "directory-refresh_duplicates": rule("admin", "liaison", audit="provider.duplicates_refresh"),
    "directory-dismiss_duplicate": rule("admin", "liaison", audit="provider.not_duplicate"),
    "directory-merge_duplicates": rule("admin", "liaison", audit="provider.merge"),
    "directory-list_merges": rule("admin", "liaison"),
    "directory-undo_merge": rule("admin", "liaison", audit="provider.merge_undo"),
    "providers-list_staff": rule(*CARE_TEAM),
    "providers-add_staff": rule("admin", "intake", "liaison", audit="provider.staff_add"),
    "providers-update_staff": rule("admin", "intake", "liaison", audit="provider.staff_update"),
    "providers-remove_staff": rule("admin", "intake", "liaison", audit="provider.staff_remove"),
    # Messages to patients and referrers carry their addresses and names: care team only, audited.
    "messages-list_messages": rule(*CARE_TEAM, audit="message.list"),
    "messages-get_message": rule(*CARE_TEAM, audit="message.read"),
    "messages-resend_message": rule("admin", "intake", audit="message.resend"),
    # Settings: templates and partner webhook endpoints. Changes are admin-only and audited.
    "templates-list_templates": rule("admin", "intake", "liaison"),
    "templates-get_template": rule("admin", "intake", "liaison"),
    "templates-preview_template": rule("admin", "intake", "liaison"),
    "templates-save_template": rule("admin", audit="settings.template_save"),
    "templates-reset_template": rule("admin", audit="settings.template_reset"),
    "webhook-endpoints-create_webhook_endpoint": rule("admin", audit="settings.webhook_endpoint_create"),
    # Administration screens: own password change, webhook endpoints after creation, audit export, the
    # development mail catcher (404 in production whoever asks).
    "auth-change_password": rule(*SIGNED_IN, audit="user.password_change"),
    "webhook-endpoints-list_webhook_endpoints": rule("admin", audit="webhook_endpoint.list"),
    "webhook-endpoints-get_webhook_endpoint": rule("admin", audit="webhook_endpoint.read"),
    "webhook-endpoints-update_webhook_endpoint": rule("admin", audit="webhook_endpoint.update"),
    "webhook-endpoints-rotate_webhook_secret": rule("admin", audit="webhook_endpoint.rotate_secret"),
    "webhook-endpoints-list_webhook_deliveries": rule("admin", audit="message.list"),
    "audit-export_audit_events": rule("admin", audit="audit.export"),
    "dev-mails-list_captured_mails": rule("admin", audit="captured_mail.list"),
    "dev-mails-get_captured_mail": rule("admin", audit="captured_mail.read"),
    # Aggregates only: the analyst's home. Liaisons use it for referrer scorecards.
    "analytics-get_summary": rule("admin", "analyst", "liaison"),
    # Finding and working referrals (search, per-status counts, notes, colleagues to assign to).
    # Search reads patients like the list does: care team and partners (own organisation only), never analysts.
    "search-search_referrals": rule(
        *CARE_TEAM, "referrer", "partner", audit="referral.search", partner_scope="referrals:read"
    ),
    "referrals-count_referrals": rule(
        *CARE_TEAM, "referrer", "partner", audit="referral.count", partner_scope="referrals:read"
    ),
    "referrals-add_referral_note": rule(*CARE_TEAM, audit="referral.note"),
    "users-list_assignable_users": rule(*CARE_TEAM, audit="user.list_assignable"),
    # Outreach centre, dashboard export and reference lists. CSV is the summary's figures: same readers.
    "analytics-export_summary": rule("admin", "analyst", "liaison", audit="analytics.export"),
    "reference-list_service_lines": rule(*SIGNED_IN),
    "reference-list_specialties": rule(*SIGNED_IN),
    "reference-list_payer_classes": rule(*SIGNED_IN),
    "reference-list_payers": rule(*SIGNED_IN),
    "reference-search_icd10": rule(*SIGNED_IN),
    # Referrer relationships: history import (patient data, admins only), referrer figures (aggregates:
    # liaisons and analysts too, never partners), relationship settings (admins, audited).
    "imports-import_referrals": rule("admin", audit="referral.import"),
    # The provider-relations team (admins and liaisons) keeps the directory: imports, hygiene, verification.
    "imports-import_providers": rule("admin", "liaison", audit="provider.import"),
    "imports-list_provider_imports": rule("admin", "liaison"),
    "imports-get_provider_import": rule("admin", "liaison"),
    "providers-directory_hygiene": rule("admin", "liaison"),
    "providers-verify_provider": rule("admin", "liaison", audit="provider.verify"),
    "providers-mark_contact_points_good": rule("admin", "liaison", audit="provider.contact_points_good"),
    "relationships-list_referrers": rule("admin", "liaison", "analyst"),
    "relationships-list_referring_organizations": rule("admin", "liaison", "analyst"),
    "relationships-get_scorecard": rule("admin", "liaison", "analyst"),
    "analytics-get_concentration": rule("admin", "liaison", "analyst"),
    "settings-get_relationship_settings": rule("admin", "liaison", "analyst"),
    "settings-save_relationship_settings": rule("admin", audit="settings.relationships_save"),
    "settings-get_fee_schedule": rule("admin", "analyst"),
    "settings-save_fee_schedule": rule("admin", audit="settings.fee_schedule_save"),
    "relationships-preview_practice_report": rule("admin", "liaison", "analyst"),
    "relationships-set_practice_report_opt_out": rule("admin", "liaison", audit="organization.monthly_report_opt_out"),
    "relationships-list_cooling_alerts": rule("admin", "liaison", "analyst"),
    "relationships-get_referrer_timeline": rule("admin", "liaison", "analyst", audit="referrer.timeline"),
    "relationships-assign_referrer_owner": rule("admin", audit="referrer.assign"),
    "touchpoints-log_touchpoint": rule("admin", "liaison", audit="touchpoint.create"),
    "touchpoints-list_touchpoints": rule("admin", "liaison", "analyst"),
    "programs-create_program": rule("admin", "liaison", audit="program.create"),
    "programs-list_programs": rule("admin", "liaison", "analyst"),
    "programs-add_program_cost": rule("admin", audit="program.cost_add"),
    "programs-list_program_costs": rule("admin", "liaison", "analyst"),
    "analytics-get_roi": rule("admin", "liaison", "analyst"),
    "exports-export_referrers": rule("admin", "liaison", "analyst", audit="referrer.export"),
    "exports-export_scorecard": rule("admin", "liaison", "analyst", audit="referrer.export"),
    "exports-export_roi": rule("admin", "liaison", "analyst", audit="program.export"),
    # Journey automation: calendars, SLA policies and queues are read by the care team, changed by admins.
    "calendars-list_calendars": rule(*CARE_TEAM),
    "calendars-get_calendar": rule(*CARE_TEAM),
    "calendars-create_calendar": rule("admin", audit="settings.calendar_create"),
    "calendars-replace_calendar": rule("admin", audit="settings.calendar_update"),
    "sla-policies-list_sla_policies": rule(*CARE_TEAM),
    "sla-policies-save_sla_policy": rule("admin", audit="settings.sla_policy_save"),
    "work-queues-list_work_queues": rule(*CARE_TEAM),
    "work-queues-get_work_queue": rule(*CARE_TEAM),
    "work-queues-create_work_queue": rule("admin", audit="settings.work_queue_save"),
    "work-queues-replace_work_queue": rule("admin", audit="settings.work_queue_save"),
    "routing-rules-list_routing_rules": rule(*CARE_TEAM),
    "routing-rules-get_routing_rule": rule(*CARE_TEAM),
    "routing-rules-create_routing_rule": rule("admin", audit="settings.routing_rule_create"),
    "routing-rules-replace_routing_rule": rule("admin", audit="settings.routing_rule_update"),
    "routing-rules-delete_routing_rule": rule("admin", audit="settings.routing_rule_delete"),
    "routing-rules-dry_run_routing": rule("admin", "intake"),
    "routing-rules-reapply_routing": rule("admin", audit="settings.routing_reapply"),
    "completeness-rules-list_completeness_rules": rule(*CARE_TEAM, "referrer"),
    "completeness-rules-get_completeness_rule": rule(*CARE_TEAM, "referrer"),
    "completeness-rules-save_completeness_rule": rule("admin", audit="settings.completeness_rule_save"),
    "completeness-rules-delete_completeness_rule": rule("admin", audit="settings.completeness_rule_delete"),
    "work-queue-get_my_work_queue": rule("admin", "intake", "clinician", audit="referral.list"),
    # Documents are PHI: care team reads (every download audited), intake and clinicians attach.
    "documents-upload_document": rule(
        "admin", "intake", "clinician", "referrer", "partner", audit="document.create", partner_scope="referrals:write"
    ),
    "documents-list_documents": rule(*CARE_TEAM, "referrer", audit="document.list"),
    "documents-download_document": rule(*CARE_TEAM, "referrer", audit="document.download"),
    # Possible duplicate referrals: the care team sees them, intake decides; the policy is an admin setting.
    "referrals-list_referral_duplicates": rule(*CARE_TEAM, audit="referral.duplicates"),
    "referrals-link_referral_duplicate": rule("admin", "intake", audit="referral.duplicate_link"),
    "referrals-dismiss_referral_duplicate": rule("admin", "intake", audit="referral.duplicate_dismiss"),
    "referrals-merge_referral_duplicate": rule("admin", "intake", audit="referral.merge"),
    "settings-get_duplicate_policy": rule("admin", "intake"),
    "settings-save_duplicate_policy": rule("admin", audit="settings.duplicates_save"),
    # Patient appointment links: no sign-in, the link's token is the credential (like an invitation's).
    # Rate-limited per client address; every link that does not work is the same 404.
    "patient-links-open_patient_link": Rule(open=True, audit="patient_link.open"),
    "patient-links-confirm_patient_link": Rule(open=True, audit="patient_link.confirm"),
    "patient-links-cancel_patient_link": Rule(open=True, audit="patient_link.cancel"),
    "patient-links-ask_patient_link": Rule(open=True, audit="patient_link.question"),
    # What those pages tell patients to do before a visit: an administration screen.
    "preparation-instructions-list_preparation_instructions": rule("admin"),
    "preparation-instructions-save_preparation_instructions": rule("admin", audit="settings.preparation_save"),
    "preparation-instructions-delete_preparation_instructions": rule("admin", audit="settings.preparation_delete"),
    # The referring-practice portal. Admins invite a practice's people; referrers act for their practice only
    # (any other practice's referral is a 404). The thread and the practice's timeline are PHI: audited.
    "portal-invite_portal_user": rule("admin", audit="invitation.create"),
    "portal-list_portal_users": rule("admin", "liaison", audit="user.list"),
    "portal-list_practice_providers": rule("referrer"),
    "portal-read_thread": rule("admin", "intake", "clinician", "referrer", audit="referral.thread_read"),
    "portal-post_to_thread": rule("admin", "intake", "clinician", "referrer", audit="referral.thread_post"),
    "portal-list_portal_events": rule("admin", "intake", "clinician", "referrer", audit="referral.portal_events"),
    # The service catalog: no patient data; practices (portal and partner keys) and staff read it, admins edit.
    "portal-list_catalog": rule(*SIGNED_IN, "partner"),
    "portal-get_catalog_entry": rule(*SIGNED_IN, "partner"),
    "portal-save_catalog_entry": rule("admin", audit="settings.catalog_save"),
    # FHIR facade. metadata is open; the catch-all only says "not supported" (404/405) and serves no data.
    "fhir-capabilities": OPEN,
    "fhir-smart_configuration": OPEN,
    "smart-smart_configuration": OPEN,
    "smart-jwks": OPEN,
    "unsupported": Rule(open=True, notes="FHIR catch-all: 404/405 for types and interactions not served"),
    "fhir-create_service_request": fhir("ServiceRequest", "write", audit="referral.fhir_create"),
    "fhir-search_service_requests": fhir("ServiceRequest", "read", audit="referral.fhir_search"),
    "fhir-read_service_request": fhir("ServiceRequest", "read", audit="referral.fhir_read"),
    "fhir-update_service_request": fhir("ServiceRequest", "write", audit="referral.fhir_update"),
    "fhir-create_task": fhir("Task", "write", audit="referral.fhir_task_create"),
    "fhir-search_tasks": fhir("Task", "read", audit="referral.fhir_task_search"),
    "fhir-read_task": fhir("Task", "read", audit="referral.fhir_task_read"),
    "fhir-create_appointment": fhir("Appointment", "write", audit="appointment.fhir_create"),
    "fhir-search_appointments": fhir("Appointment", "read", audit="appointment.fhir_search"),
    "fhir-read_appointment": fhir("Appointment", "read", audit="appointment.fhir_read"),
    "fhir-update_appointment": fhir("Appointment", "write", audit="appointment.fhir_update"),
    "fhir-create_patient": fhir("Patient", "write", audit="patient.fhir_create"),
    "fhir-read_patient": fhir("Patient", "read", audit="patient.fhir_read"),
    "fhir-update_patient": fhir("Patient", "write", audit="patient.fhir_update"),
    "fhir-create_practitioner": fhir("Practitioner", "write", audit="provider.fhir_create"),
    "fhir-read_practitioner": fhir("Practitioner", "read"),
    "fhir-update_practitioner": fhir("Practitioner", "write", audit="provider.fhir_update"),
    "fhir-create_practitionerrole": fhir("PractitionerRole", "write", audit="provider.fhir_role_create"),
    "fhir-read_practitionerrole": fhir("PractitionerRole", "read"),
    "fhir-update_practitionerrole": fhir("PractitionerRole", "write", audit="provider.fhir_role_update"),
    "fhir-create_organization": fhir("Organization", "write", audit="organization.fhir_create"),
    "fhir-read_organization": fhir("Organization", "read"),
    "fhir-update_organization": fhir("Organization", "write", audit="organization.fhir_update"),
    "fhir-search_healthcareservices": fhir("HealthcareService", "read"),
    "fhir-read_healthcareservice": fhir("HealthcareService", "read"),
    # A Bundle's entries are checked one by one against the SMART scopes by the route itself.
    "process_bundle": Rule(
        allow=frozenset({"admin", "intake", "ehr_client"}), fhir=("*", "entries"), audit="bundle.fhir_process"
    ),
}

# Routes served outside the matrix (no dependencies run): the docs and the web app's files.
UNGUARDED_PATHS = ("/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json")


def rule_for(operation: str | None) -> Rule | None:
    return RULES.get(operation or "")


def operation_of(scope: Mapping[str, Any]) -> str | None:
    """The operation id of the route serving this request, as the OpenAPI contract names it."""
    # FastAPI keeps the route as included in the app (with its app-level operation id) here.
    effective = scope.get("fastapi", {}).get("effective_route_context")
    if getattr(effective, "unique_id", None):
        return effective.unique_id
    route = scope.get("route")
    if route is None:
        return None
    tags = getattr(route, "tags", None)
    return f"{tags[0]}-{route.name}" if tags else getattr(route, "name", None)


def render() -> str:
    lines = [
        "# Permission matrix",
        "",
        "Generated from `api/permissions.py` by `python -m api.permissions`; the guard enforces this same table.",
        "`yes` allowed; `-` refused with 403 (401 without credentials). `partner` rows act on the key's own",
        "organisation only: any other organisation's referral is a 404. `ehr_client` rows also need the SMART",
        "system scope shown. `audit` is the action recorded in the audit log for every call.",
        "",
        "Open to everyone: "
        + ", ".join(f"`{op}`" for op, r in sorted(RULES.items()) if r.open)
        + "; also the interactive docs and the contract ("
        + ", ".join(f"`{p}`" for p in UNGUARDED_PATHS)
        + ") and the web app's static files.",
        "",
        "| operation | " + " | ".join(PRINCIPALS) + " | audit |",
        "|---|" + "---|" * len(PRINCIPALS) + "---|",
    ]
    for operation, r in sorted(RULES.items()):
        cells = []
        for name in PRINCIPALS:
            if r.open:
                cells.append("open")
            elif name not in r.allow:
                cells.append("-")
            elif name == "partner" and r.partner_scope:
                cells.append(f"`{r.partner_scope}`")
            elif name == "ehr_client" and r.fhir == ("*", "entries"):
                cells.append("each entry's scope")
            elif name == "ehr_client" and r.fhir:
                cells.append(f"`system/{r.fhir[0]}.{r.fhir[1]}`")
            else:
                cells.append("yes")
        lines.append(f"| `{operation}` | " + " | ".join(cells) + f" | {r.audit or ''} |")
    lines += ["", DOC_NOTES]
    return "\n".join(lines) + "\n"


DOC_NOTES = """## Decisions

- **analyst** sees aggregates only (analytics, exports of counts). Every route that returns patient fields
  (referrals, their events, appointments, FHIR clinical resources) answers 403 to an analyst; there is no
  de-identified projection of a single referral.
- **referrer** is a person of a referring practice, signed in to the portal. Like a partner key it acts for its
  own organisation only: its referrals are created for it (`source_channel` `portal`), and any other
  organisation's referral, document or thread is a 404. A route outside its column is also a 404 (not a 403), so
  the portal reveals nothing of the directory, analytics or administration.
- **partner** keys create referrals for their own organisation (`referring_organization_id` is forced to it and
  `source_channel` to `partner_api`), and list and read only those. Another organisation's referral is a 404,
  never a 403, so a key cannot learn which ids exist. Each key is rate-limited (429 with `Retry-After`).
- **ehr_client** tokens reach only FHIR routes, and only with the scope shown. Staff tokens may use the FHIR
  facade with the roles shown.
- A route without a row here is refused to everyone except admins at run time, and fails the test suite.
"""


if __name__ == "__main__":
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(render())
    sys.stdout.write(f"wrote {DOC}\n")
