from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    intake = "intake"
    liaison = "liaison"
    clinician = "clinician"
    analyst = "analyst"
