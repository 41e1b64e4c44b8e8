"""Phone numbers as people type them, parsed once and stored in E.164.

Every schema that takes a phone number (patient, directory contact points, office
staff) uses `PhoneNumber` from here, so one rule decides what a number is.
Parsing is Google's libphonenumber (the `phonenumbers` package): it knows every
country's lengths and prefixes, which a regular expression would only guess at.

A number is accepted when it has the right length for its country ("possible"),
not only when it is in a range already assigned ("valid"): the assignment tables
lag reality, and the 555-01xx numbers kept for fiction, used in training and
demo data, are not assigned. Letters are refused outright, so "call me maybe"
is not read as a vanity number.
"""

import re
from typing import Annotated

import phonenumbers
from pydantic import AfterValidator, StringConstraints

DEFAULT_REGION = "US"
_LETTERS = re.compile(r"[A-Za-z]")
# Extension markers people write after a number; the letters in them are allowed.
_EXTENSION = re.compile(r"\s*(?:ext\.?|extension|x|#)\s*(\d{1,7})\s*$", re.IGNORECASE)


class NotAPhoneNumber(ValueError):
    def __init__(self, value: str) -> None:
        super().__init__(f"'{value}' is not a phone number")
        self.value = value


def parse(value: str, region: str = DEFAULT_REGION) -> phonenumbers.PhoneNumber:
    text = value.strip()
    extension = _EXTENSION.search(text)
    body = text[: extension.start()] if extension else text
    if not body or _LETTERS.search(body):
        raise NotAPhoneNumber(value)
    try:
        number = phonenumbers.parse(body, region)
    except phonenumbers.NumberParseException as exc:
        raise NotAPhoneNumber(value) from exc
    if not phonenumbers.is_possible_number(number):
        raise NotAPhoneNumber(value)
    if extension:
        number.extension = extension.group(1)
    return number


def normalise(value: str, region: str = DEFAULT_REGION) -> str:
    """E.164 (`+12175550100`), with ` ext. 12` when the number has an extension."""
    number = parse(value, region)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return f"{e164} ext. {number.extension}" if number.extension else e164


def index_key(value: str | None) -> str | None:
    """What two spellings of one line share: E.164 without the extension. None when it is no number."""
    if not value:
        return None
    try:
        number = parse(value)
    except NotAPhoneNumber:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _validate(value: str) -> str:
    return normalise(value)


# A phone field in any schema: refused with a message naming the bad value, stored in E.164.
PhoneNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40), AfterValidator(_validate)
]
