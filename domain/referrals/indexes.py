"""The keyed blind indexes that let staff find a referral without decrypting the table.

Each is an HMAC-SHA256 (the blind-index key) of a normalised value, stored beside the
sealed columns; a search hashes what was typed the same way and compares hashes.
`docs/security.md` says what each one reveals. The label in front of each value keeps
the indexes apart, so equal hashes in two columns never mean equal inputs.
"""

import unicodedata
from datetime import date
from typing import Any

from domain.shared import phones
from domain.shared.crypto import blind_index

INDEX_COLUMNS = (
    "patient_mrn_index",
    "patient_name_dob_index",
    "patient_surname_index",
    "patient_surname_dob_index",
    "patient_phone_index",
)


def fold_surname(value: str) -> str:
    """Case, accents, spaces and punctuation dropped: `Núñez-García` and `nunez garcia` are one key."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c)).casefold()


def surname_index(family_name: str | None) -> str | None:
    folded = fold_surname(family_name or "")
    return blind_index("surname", folded) if folded else None


def surname_dob_index(family_name: str | None, birth_date: date | None) -> str | None:
    folded = fold_surname(family_name or "")
    if not folded or birth_date is None:
        return None
    return blind_index("surname+dob", folded, birth_date.isoformat())


def phone_index(phone: str | None) -> str | None:
    key = phones.index_key(phone)
    return blind_index("phone", key) if key else None


def patient_indexes(
    *, family_name: str, given_name: str, birth_date: date, mrn: str | None, phone: str | None
) -> dict[str, Any]:
    """Every index column of one patient block, by column name."""
    return {
        "patient_mrn_index": blind_index(mrn),
        "patient_name_dob_index": blind_index(family_name, given_name, birth_date.isoformat()),
        "patient_surname_index": surname_index(family_name),
        "patient_surname_dob_index": surname_dob_index(family_name, birth_date),
        "patient_phone_index": phone_index(phone),
    }
