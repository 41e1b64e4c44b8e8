from typing import Annotated

from pydantic import Field, StringConstraints

from domain.shared.schemas import Schema, UtcDateTime

# The patient's own words: PHI, sealed where stored. Long enough for a real question, short enough for a task.
PatientText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
InstructionText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class PracticeInfo(Schema):
    name: str
    phone: str


class LinkAppointment(Schema):
    start: UtcDateTime
    end: UtcDateTime | None
    location: str | None
    service_line: str
    time_zone: str = Field(description="The practice's time zone: show the time in it.")
    confirmed: bool = Field(description="The patient confirmed through one of the appointment's links.")


class PatientLinkView(Schema):
    """All a link reveals: the patient's first name, the appointment and the practice."""

    first_name: str
    appointment: LinkAppointment
    practice: PracticeInfo
    preparation: str | None = Field(description="What to do before the visit, for its service line.")


class CancelRequest(Schema):
    reason: PatientText = Field(description="Why the patient cancels, in their words (sealed, seen by staff).")


class QuestionRequest(Schema):
    question: PatientText = Field(description="The patient's question (sealed; opens a task for the coordinator).")


class LinkActionDone(Schema):
    at: UtcDateTime = Field(description="When it was recorded.")


class Preparation(Schema):
    service_line: str
    text: str
    updated_at: UtcDateTime
    updated_by: str


class PreparationSave(Schema):
    text: InstructionText
