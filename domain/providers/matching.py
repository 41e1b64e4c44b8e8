"""Duplicate detection over the directory: blocking keys, then a scored comparison with reasons.

Blocking keeps the comparisons few: only records sharing an NPI, a phonetic surname within a
ZIP, a phone, an e-mail or a full name (either order) are compared. Scoring starts from name
similarity (nicknames count as the same given name) and scales it by the other evidence, so two
people at one practice (same phone, ZIP, organization, different names) stay apart, and two
doctors of the same name in different cities stay below the review threshold.
"""

import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Set
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import combinations

import jellyfish
from nicknames import NickNamer
from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein

# Pairs at or above this score are proposed for review (0-1).
REVIEW_THRESHOLD = 0.80
# A block bigger than this (a very common name in a ZIP) says too little to compare every pair in it.
MAX_BLOCK = 50
# How much other evidence makes a similar name certain; below it the name alone carries 40%.
ENOUGH_EVIDENCE = 0.6
EVIDENCE = {
    "phone": 0.6,
    "near_phone": 0.4,
    "email": 0.6,
    "zip": 0.25,
    "street": 0.35,
    "city": 0.1,
    "specialty": 0.15,
    "organization": 0.3,
}


@dataclass(frozen=True)
class Record:
    """What the finder compares, read once from the directory (see repository.match_records)."""

    id: str
    given_name: str
    family_name: str
    npi: str | None = None
    phones: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()
    zips: frozenset[str] = frozenset()
    streets: frozenset[str] = frozenset()
    cities: frozenset[str] = frozenset()
    specialties: frozenset[str] = frozenset()
    organizations: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Match:
    a: str
    b: str
    score: float
    reasons: list[str] = field(default_factory=list)


@lru_cache(maxsize=1 << 16)
def fold(value: str) -> str:
    """Lower case without accents or punctuation: `O'Brien-Núñez` -> `obrien nunez`."""
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join("".join(c if c.isalnum() else " " for c in plain.replace("'", "")).split())


@cache
def _namer() -> NickNamer:
    return NickNamer()


@cache
def _given_forms(name: str) -> frozenset[str]:
    """A given name with its nicknames and the names it is a nickname of (Bob <-> Robert)."""
    namer = _namer()
    return frozenset({name} | namer.nicknames_of(name) | namer.canonicals_of(name))


def phonetic(name: str) -> str:
    return jellyfish.metaphone(fold(name).replace(" ", "")) or fold(name)


def blocking_keys(record: Record) -> set[str]:
    family = phonetic(record.family_name)
    keys = {f"zip:{family}:{z}" for z in record.zips}
    keys |= {f"phone:{p}" for p in record.phones} | {f"email:{e}" for e in record.emails}
    if record.npi:
        keys.add(f"npi:{record.npi}")
    # The full name in either order catches a changed address with a changed phone, and swapped entry.
    keys.add("name:" + ":".join(sorted((phonetic(record.given_name), family))))
    return keys


def _given_similarity(a: str, b: str) -> tuple[float, str | None]:
    a, b = fold(a), fold(b)
    if a == b:
        return 1.0, None
    if a.split()[:1] and b.split()[:1] and (_given_forms(a.split()[0]) & _given_forms(b.split()[0])):
        return 0.95, "nickname"
    if len(a) == 1 or len(b) == 1:  # an initial
        return (0.85, "initial") if a[0] == b[0] else (0.0, None)
    return fuzz.ratio(a, b) / 100, None


def name_similarity(a: Record, b: Record) -> tuple[float, str | None]:
    """0-1 over given and family names, the better of the two orders (names swapped on entry)."""
    best, note = 0.0, None
    for given, family in ((b.given_name, b.family_name), (b.family_name, b.given_name)):
        given_score, why = _given_similarity(a.given_name, given)
        family_score = fuzz.ratio(fold(a.family_name), fold(family)) / 100
        score = 0.4 * given_score + 0.6 * family_score
        if score > best:
            best, note = score, why
    return best, note


def _near_phone(a: frozenset[str], b: frozenset[str]) -> bool:
    """Two 10-digit numbers one typo apart (two digits swapped, or one wrong)."""
    return any(DamerauLevenshtein.distance(x, y) == 1 for x in a for y in b if len(x) == len(y) == 10)


def _street_match(a: frozenset[str], b: frozenset[str]) -> bool:
    return any(fuzz.token_set_ratio(x, y) >= 90 for x in a for y in b)


def _evidence(a: Record, b: Record) -> tuple[float, list[str], list[str]]:
    """What besides the name links the two: its weight, and the reasons told before and after the name's."""
    value, first, then = 0.0, [], []
    if a.phones & b.phones:
        value += EVIDENCE["phone"]
        first.append("same phone")
    elif _near_phone(a.phones, b.phones):
        value += EVIDENCE["near_phone"]
        first.append("phones one digit apart")
    if a.emails & b.emails:
        value += EVIDENCE["email"]
        first.append("same e-mail")
    if a.zips & b.zips:
        value += EVIDENCE["zip"]
        then.append("same ZIP")
    if _street_match(a.streets, b.streets):
        value += EVIDENCE["street"]
        then.append("same street address")
    elif a.cities & b.cities:
        value += EVIDENCE["city"]
        then.append("same city")
    elif a.cities and b.cities:
        then.append("different cities")
    if a.specialties & b.specialties:
        value += EVIDENCE["specialty"]
        then.append("same specialty")
    if a.organizations & b.organizations:
        value += EVIDENCE["organization"]
        then.append("same organization")
    return value, first, then


def score(a: Record, b: Record, floor: float = 0.0) -> Match | None:
    """The pair's score (0-1) and why; None for two different NPIs (two different people), or when
    even identical names could not bring the pair up to `floor`."""
    if a.npi and b.npi and a.npi != b.npi:
        return None
    same_npi = bool(a.npi and a.npi == b.npi)
    evidence, first, then = _evidence(a, b)
    scale = 0.4 + 0.6 * min(1.0, evidence / ENOUGH_EVIDENCE)
    if scale < floor and not same_npi:
        return None  # the name similarity is at most 1: skip the costlier name comparison
    name, name_note = name_similarity(a, b)
    reasons = (["same NPI"] if same_npi else []) + first
    if name_note == "nickname":
        reasons.append(f"{a.given_name} and {b.given_name} are the same name (nickname)")
    reasons += [f"names {name:.2f} similar", *then]
    value = max(name * scale, 0.99) if same_npi else name * scale  # one NPI is one person, whatever the spelling
    return Match(a=a.id, b=b.id, score=round(value, 2), reasons=reasons)


def candidate_pairs(records: Iterable[Record], among: Set[str] | None = None) -> set[tuple[str, str]]:
    """Pairs sharing a block; with `among`, only those with at least one of these records."""
    blocks: dict[str, list[str]] = defaultdict(list)
    for record in records:
        for key in blocking_keys(record):
            blocks[key].append(record.id)
    pairs: set[tuple[str, str]] = set()
    for key, ids in blocks.items():
        if len(ids) > MAX_BLOCK and not key.startswith("npi:"):
            continue
        if among is None:
            pairs.update((x, y) if x < y else (y, x) for x, y in combinations(ids, 2))
            continue
        for x in (i for i in ids if i in among):
            pairs.update((x, y) if x < y else (y, x) for y in ids if y != x)
    return pairs


def find_matches(
    records: list[Record],
    *,
    threshold: float = REVIEW_THRESHOLD,
    dismissed: Set[tuple[str, str]] = frozenset(),
    focus: str | None = None,
    among: Set[str] | None = None,
) -> list[Match]:
    """Scored pairs at or above `threshold`, best first; `focus` keeps only pairs with that record,
    `among` only pairs with at least one of those records (the ones changed since the last refresh)."""
    by_id = {r.id: r for r in records}
    found = []
    for x, y in candidate_pairs(records, among if focus is None else {focus}):
        if (x, y) in dismissed:
            continue
        match = score(by_id[x], by_id[y], floor=threshold)
        if match is not None and match.score >= threshold:
            found.append(match)
    found.sort(key=lambda m: (-m.score, m.a, m.b))
    return found
