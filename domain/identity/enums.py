"""Who may act: staff users and their roles, partner API keys and EHR clients."""

from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    intake = "intake"
    liaison = "liaison"
    clinician = "clinician"
    analyst = "analyst"


class PrincipalKind(StrEnum):
    user = "user"
    partner = "partner"
    ehr_client = "ehr_client"
    system = "system"
    anonymous = "anonymous"
