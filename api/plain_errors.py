"""Pydantic's validation errors, told in plain words that name the field and the bad value.

The one place request errors get their wording: the web app shows these messages next to the
field as they are, so no "Value error," prefix or regular expression reaches a person.
"""

from typing import Any

LABELS = {
    "icd10_codes": "ICD-10 code",
    "birth_date": "Birth date",
    "service_line": "Service line",
    "specialty_code": "Specialty code",
    "specialty_display": "Specialty",
    "payer_class": "Payer class",
    "payer_name": "Payer",
    "given_name": "First name",
    "family_name": "Last name",
    "mrn": "MRN",
    "npi": "NPI",
    "email": "Email address",
    "phone": "Phone number",
    "received_at": "Received time",
    "referring_provider_id": "Referring provider",
    "referring_organization_id": "Referring organization",
    "receiving_provider_id": "Receiving provider",
    "source_channel": "Source channel",
    "referral_source": "Referral source",
    "location_preference": "Location",
    "postal_code": "Postal code",
}
# What a value of a pattern-checked field is called when it does not fit.
PATTERN_NOUNS = {
    "icd10_codes": "ICD-10 code '{value}' is not a valid code (it looks like E11.9 or M17.11).",
    "specialty_code": "Specialty code '{value}' is not a NUCC taxonomy code (it looks like 207RC0000X).",
    "specialty": "Specialty code '{value}' is not a NUCC taxonomy code (it looks like 207RC0000X).",
}
WHERE = {"body": "", "query": "Query parameter ", "path": "", "header": "Header "}


def label(loc: tuple[Any, ...]) -> str:
    names = [p for p in loc if isinstance(p, str) and p not in WHERE]
    if not names:
        return "The request body"
    name = names[-1]
    return LABELS.get(name) or name.replace("_", " ").capitalize()


def _value(error: dict) -> str:
    value = error.get("input")
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _field_name(loc: tuple[Any, ...]) -> str | None:
    names = [p for p in loc if isinstance(p, str) and p not in WHERE]
    return names[-1] if names else None


def plain_message(error: dict) -> str:
    loc = tuple(error.get("loc", ()))
    kind = error.get("type", "")
    what = label(loc)
    ctx = error.get("ctx") or {}
    value = _value(error)
    if kind == "missing":
        return f"{what} is required."
    if kind == "value_error":
        message = str(ctx.get("error") or error.get("msg", "")).removeprefix("Value error, ")
        if message[:1].isupper():
            return message  # the validator already wrote a whole sentence
        scalar = isinstance(error.get("input"), str | int | float)
        return f"{what} '{value}': {message}." if scalar else f"{what}: {message}."
    if kind == "assertion_error":
        return str(ctx.get("error") or error.get("msg", "")).removeprefix("Assertion failed, ")
    if kind == "string_pattern_mismatch":
        template = PATTERN_NOUNS.get(_field_name(loc) or "")
        return template.format(value=value) if template else f"{what} '{value}' is not in the expected format."
    if kind == "string_too_long":
        return f"{what} is too long: at most {ctx.get('max_length')} characters."
    if kind == "string_too_short":
        return (
            f"{what} must not be empty."
            if ctx.get("min_length") == 1
            else f"{what} is too short: at least {ctx.get('min_length')} characters."
        )
    if kind in ("too_long", "too_short"):
        limit = ctx.get("max_length") if kind == "too_long" else ctx.get("min_length")
        return f"{what}: {'at most' if kind == 'too_long' else 'at least'} {limit} allowed."
    if kind == "enum" or kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace("'", "")
        return f"{what} '{value}' is not one of: {expected}."
    if kind in ("uuid_parsing", "uuid_type"):
        return f"{what} '{value}' is not a valid id."
    if kind.startswith("date") or kind.startswith("datetime"):
        return (
            f"{what} '{value}' is not a valid date (use YYYY-MM-DD)."
            if kind.startswith("date_")
            else f"{what} '{value}' is not a valid date and time (ISO 8601)."
        )
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{what} '{value}' is not a whole number."
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(ctx.values()), "")
        words = {
            "greater_than_equal": "at least",
            "greater_than": "more than",
            "less_than_equal": "at most",
            "less_than": "less than",
        }[kind]
        return f"{what} must be {words} {bound}; got {value}."
    if kind == "json_invalid":
        return f"The request body is not valid JSON ({ctx.get('error', 'syntax error')})."
    if kind in ("bool_parsing", "bool_type"):
        return f"{what} '{value}' is not true or false."
    if kind in ("string_type", "list_type", "dict_type", "model_type", "model_attributes_type"):
        expected = {"string_type": "text", "list_type": "a list", "dict_type": "an object"}.get(kind, "an object")
        return f"{what} must be {expected}."
    if kind == "value_error" or kind.endswith("_parsing"):
        return f"{what} '{value}' is not valid."
    if kind == "extra_forbidden":
        return f"{what} is not a field this request takes."
    message = str(error.get("msg", "is not valid"))
    return f"{what}: {message[0].lower()}{message[1:]}" if message else f"{what} is not valid."
