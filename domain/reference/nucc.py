"""The NUCC Health Care Provider Taxonomy code set, shipped as data (data/nucc_taxonomy.csv)."""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "nucc_taxonomy.csv"


@dataclass(frozen=True)
class Taxonomy:
    code: str
    grouping: str
    classification: str
    specialization: str
    display_name: str
    specialty_group: str


@cache
def code_set() -> dict[str, Taxonomy]:
    with DATA.open(encoding="utf-8", newline="") as file:
        return {row["code"]: Taxonomy(**row) for row in csv.DictReader(file)}


def lookup(code: str) -> Taxonomy | None:
    return code_set().get(code.strip().upper())
