from enum import StrEnum


class OrganizationKind(StrEnum):
    practice = "practice"
    hospital = "hospital"
    health_system = "health_system"
    payer = "payer"
    other = "other"


class ProviderKind(StrEnum):
    internal = "internal"  # our own clinicians, who receive referrals
    external = "external"  # referring physicians


class ProviderStatus(StrEnum):
    active = "active"
    inactive = "inactive"
    merged = "merged"


class ContactMethod(StrEnum):
    email = "email"
    phone = "phone"
    fax = "fax"
    direct = "direct"  # Direct secure messaging
    portal = "portal"
    fhir = "fhir"
    sms = "sms"


class AffiliationRole(StrEnum):
    member = "member"
    owner = "owner"
    hospital_privileges = "hospital_privileges"
    medical_director = "medical_director"


class StaffRole(StrEnum):
    office_manager = "office_manager"
    referral_coordinator = "referral_coordinator"
    scheduler = "scheduler"
    nurse = "nurse"
    medical_assistant = "medical_assistant"
    other = "other"


class ContactPointSystem(StrEnum):
    """FHIR ContactPoint.system, the subset a referral office uses."""

    phone = "phone"
    fax = "fax"
    email = "email"
    url = "url"
    sms = "sms"


class ContactPointUse(StrEnum):
    work = "work"
    home = "home"
    mobile = "mobile"
    temp = "temp"
    old = "old"
