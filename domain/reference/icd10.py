"""ICD-10-CM search for diagnosis pickers: by code prefix or by words of the description.

The data is CMS's billable ICD-10-CM codes, shipped in data/icd10cm.tsv.gz (see build_icd10.py), read
once per process on first use.
"""

import gzip
import re
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "icd10cm.tsv.gz"
CODE_LIKE = re.compile(r"^[A-Za-z][0-9][0-9A-Za-z]?\.?[0-9A-Za-z]{0,4}$")


@cache
def _codes() -> tuple[tuple[str, str, str], ...]:
    """(code, description, description folded for matching), in code order."""
    with gzip.open(DATA, "rt", encoding="utf-8") as f:
        rows = (line.rstrip("\n").split("\t", 1) for line in f if line.strip())
        return tuple((code, text, text.casefold()) for code, text in rows)


def search(query: str, *, limit: int) -> list[tuple[str, str]]:
    """A code prefix (`I48`, `i48.9`) or words that must all appear in the description (`atrial fib`)."""
    query = query.strip()
    if CODE_LIKE.match(query):
        prefix = query.upper().replace(".", "")
        hits = (row for row in _codes() if row[0].replace(".", "").startswith(prefix))
    else:
        words = query.casefold().split()
        hits = (row for row in _codes() if all(w in row[2] for w in words))
    found = []
    for code, text, _ in hits:
        found.append((code, text))
        if len(found) == limit:
            break
    return found
