"""Writes domain/reference/data/nucc_taxonomy.csv from a NUCC taxonomy CSV as published on nucc.org.

Run `python -m domain.reference.build_nucc nucc_taxonomy_NNN.csv` with the file NUCC publishes (columns
Code, Grouping, Classification, Specialization, Definition, Notes, Display Name, Section). It keeps the
code-set columns, trims blanks around names, refuses a malformed or repeated code, and lists the
groupings and classifications the filter tables in nucc.py do not name, so a new one gets a group.
"""

import csv
import re
import sys
from collections import Counter
from pathlib import Path

from domain.reference.nucc import BY_CLASSIFICATION, BY_GROUPING, COLUMNS, DATA

CODE = re.compile(r"^[0-9]{3}[0-9A-Z]{6}X$")
NUCC_COLUMNS = ("Code", "Grouping", "Classification", "Specialization", "Display Name", "Section")


def convert(source: Path) -> list[dict[str, str]]:
    with source.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.DictReader(file)
        missing = [c for c in NUCC_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise SystemExit(f"{source}: no column {', '.join(missing)}; is this NUCC's taxonomy CSV?")
        rows = [
            {ours: (row[theirs] or "").strip() for ours, theirs in zip(COLUMNS, NUCC_COLUMNS, strict=True)}
            for row in reader
        ]
    bad = [r["code"] for r in rows if not CODE.match(r["code"])]
    repeated = [code for code, n in Counter(r["code"] for r in rows).items() if n > 1]
    if bad or repeated:
        raise SystemExit(f"{source}: malformed codes {bad}, repeated codes {repeated}")
    return rows


def write(rows: list[dict[str, str]], out: Path = DATA) -> None:
    with out.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def unmapped(rows: list[dict[str, str]]) -> list[str]:
    """Groupings with no default group, and physician classifications left on the physicians' default."""
    groupings = sorted({r["grouping"] for r in rows} - BY_GROUPING.keys())
    physicians = sorted(
        {r["classification"] for r in rows if r["grouping"] == "Allopathic & Osteopathic Physicians"}
        - BY_CLASSIFICATION.keys()
    )
    return [f"grouping: {g}" for g in groupings] + [f"physician classification: {c}" for c in physicians]


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m domain.reference.build_nucc nucc_taxonomy_NNN.csv")
    rows = convert(Path(sys.argv[1]))
    write(rows)
    sys.stdout.write(f"wrote {len(rows)} codes to {DATA}\n")
    for line in unmapped(rows):
        sys.stdout.write(f"no filter group of its own, {line}\n")


if __name__ == "__main__":
    main()
