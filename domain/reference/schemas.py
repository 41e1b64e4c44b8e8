from pydantic import Field

from domain.shared.schemas import Schema


class ReferenceEntry(Schema):
    key: str = Field(description="What the API stores and takes.")
    display: str = Field(description="What a person reads.")


class ServiceLineEntry(ReferenceEntry):
    specialty_code: str | None = Field(description="NUCC taxonomy code of the specialty the line stands for.")


class PayerEntry(Schema):
    name: str
    payer_class: str
