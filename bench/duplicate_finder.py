"""How long the duplicate finder takes over a directory of N providers (blocking and scoring, in process).

    .venv/bin/python -m bench.duplicate_finder [N]

Synthetic records: names drawn from a few hundred given and family names (so blocks are realistic,
not all singletons), a practice ZIP out of 300, a phone each, one in ten entered twice with a
nickname or a swapped phone digit. The database scan that feeds the finder is measured separately
by the tests (one grouped SELECT over providers and their organizations).
"""

import random
import sys
import time

from domain.providers.matching import Record, find_matches

GIVEN = [
    "Robert",
    "William",
    "Elizabeth",
    "Katherine",
    "James",
    "Margaret",
    "Richard",
    "Jennifer",
    "Thomas",
    "Susan",
    "Daniel",
    "Patricia",
    "Anthony",
    "Rebecca",
    "Joseph",
    "Andrew",
    "Steven",
    "Edward",
    "Laura",
    "Kevin",
    "Helen",
    "Brian",
    "Sarah",
    "Gregory",
    "Amanda",
    "Frank",
    "Olivia",
    "Raymond",
    "Grace",
    "Peter",
    "Maria",
    "David",
    "Priya",
]
NICK = {"Robert": "Bob", "William": "Bill", "James": "Jim", "Margaret": "Peggy", "Thomas": "Tom", "Joseph": "Joe"}


def records(n: int, rng: random.Random) -> list[Record]:
    families = [
        f"{a}{b}"
        for a in (
            "Hol",
            "Mar",
            "Fitz",
            "Quin",
            "Ash",
            "Bren",
            "Car",
            "Del",
            "Ever",
            "Gal",
            "Har",
            "Kin",
            "Lan",
            "Mont",
            "Nor",
            "Os",
            "Pem",
            "Rad",
            "Sin",
            "Tem",
        )
        for b in ("ley", "ton", "wood", "field", "more", "ford", "by", "well", "stead", "worth", "ridge", "man")
    ]
    out: list[Record] = []
    for i in range(n):
        given, family = rng.choice(GIVEN), rng.choice(families)
        zip_code, phone = f"{rng.randrange(300) + 10000:05d}", f"{rng.randrange(200, 990)}{rng.randrange(10**7):07d}"
        out.append(
            Record(
                id=f"p{i}",
                given_name=given,
                family_name=family,
                phones=frozenset([phone]),
                zips=frozenset([zip_code]),
                specialties=frozenset([f"s{rng.randrange(20)}"]),
            )
        )
        if rng.random() < 0.1:
            swapped = phone[:8] + phone[9] + phone[8]
            out.append(
                Record(
                    id=f"d{i}",
                    given_name=NICK.get(given, given),
                    family_name=family,
                    phones=frozenset([swapped]),
                    zips=frozenset([zip_code]),
                )
            )
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    data = records(n, random.Random(13))
    start = time.perf_counter()
    found = find_matches(data)
    took = time.perf_counter() - start
    print(f"{len(data)} records: {len(found)} pairs at or above the review threshold in {took:.2f} s")


if __name__ == "__main__":
    main()
