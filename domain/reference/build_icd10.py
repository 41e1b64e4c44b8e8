"""Writes domain/reference/data/icd10cm.tsv.gz: every billable ICD-10-CM code with its description.

The codes come from CMS's ICD-10-CM tabular list as packaged by `simple-icd-10-cm` (the `reference-data`
extra); run `python -m domain.reference.build_icd10` after upgrading it for a new fiscal year.
"""

import gzip
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data" / "icd10cm.tsv.gz"


def main() -> None:
    import simple_icd_10_cm as cm

    # Billable codes are the leaves that are codes (categories, subcategories, seventh-character extensions).
    billable = (
        code
        for code in cm.get_all_codes(with_dots=True)
        if cm.is_leaf(code) and (cm.is_category(code) or cm.is_subcategory(code, include_extended_subcategories=True))
    )
    rows = [f"{code}\t{cm.get_description(code)}\n" for code in billable]
    OUT.parent.mkdir(exist_ok=True)
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as f:
        f.write("".join(rows))
    sys.stdout.write(f"wrote {len(rows)} codes to {OUT}\n")


if __name__ == "__main__":
    main()
