"""Directory CSV files for the import tests and the bench: one dict per row, columns as in docs/directory.md."""

import csv
import io

from domain.providers.importfile import COLUMNS


def provider_row(npi: str, **cells: str) -> dict[str, str]:
    row = {
        "npi": npi,
        "entity_type": "1",
        "first_name": "Ana",
        "last_name": "Silva",
        "credential": "M.D.",
        "taxonomy_code_1": "207RC0000X",
        "taxonomy_primary_1": "Y",
        "address_line_1": "123 north main street",
        "address_line_2": "suite 4",
        "city": "Springfield",
        "state": "il",
        "postal_code": "62704-1234",
        "phone": "(217) 555-0142",
        "preferred_contact": "FHIR",
        "internal_external": "external",
    }
    row.update(cells)
    return row


def directory_csv(rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()
