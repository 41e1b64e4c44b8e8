"""Find referrals from one search box: patient surname (with or without birth date), MRN, phone,
referral id or short reference, referrer name or NPI.

Patient fields are sealed, so patient matches go through the keyed blind indexes
(domain/referrals/indexes.py): what was typed is hashed the same way and compared,
never decrypted rows. Referrer names and NPIs are directory data and match in the clear.
Each reading of the text is an equality on an indexed column; one query ORs them.
"""

import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import trail as audit
from domain.providers.models import Provider
from domain.providers.schemas import npi_check_digit_ok
from domain.referrals.indexes import phone_index, surname_dob_index, surname_index
from domain.referrals.models import Referral
from domain.referrals.repository import ReferralRepository
from domain.shared.crypto import blind_index

REFERRER_LIMIT = 50
_REFERENCE = re.compile(r"^r-?([0-9a-f]{8})$", re.IGNORECASE)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_US_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_PHONE_CHARS = re.compile(r"^[\d\s()+.\-]+$")


class Match(StrEnum):
    referral_id = "referral_id"
    reference = "reference"
    mrn = "mrn"
    surname = "surname"
    surname_birth_date = "surname_birth_date"
    phone = "phone"
    referrer_name = "referrer_name"
    referrer_npi = "referrer_npi"


@dataclass
class Keys:
    """Every way the text could be read; each is looked up, and a row says which matched."""

    referral_id: uuid.UUID | None = None
    reference: str | None = None
    mrn: str | None = None
    surname: str | None = None
    surname_dob: str | None = None
    phone: str | None = None
    npi: str | None = None
    referrer_words: list[str] = field(default_factory=list)


def _birth_date(q: str) -> tuple[date | None, str]:
    """A birth date in the text (2026-03-01 or 3/1/2026), and the text without it."""
    for pattern, order in ((_ISO_DATE, (0, 1, 2)), (_US_DATE, (2, 0, 1))):
        found = pattern.search(q)
        if found:
            parts = [int(found.group(i + 1)) for i in order]
            try:
                return date(*parts), (q[: found.start()] + q[found.end() :]).strip(" ,")
            except ValueError:
                return None, q
    return None, q


def read_query(q: str) -> Keys:
    q = " ".join(q.split())
    keys = Keys()
    try:
        keys.referral_id = uuid.UUID(q)
        return keys
    except ValueError:
        pass
    if found := _REFERENCE.match(q):
        keys.reference = found.group(1).lower()
        return keys
    birth, rest = _birth_date(q)
    if birth is not None:
        keys.surname_dob = surname_dob_index(rest, birth) if rest and not re.search(r"\d", rest) else None
        return keys
    keys.mrn = blind_index(q)
    digits = re.sub(r"\D", "", q)
    if _PHONE_CHARS.match(q) and len(digits) >= 7:
        keys.phone = phone_index(q)
    if re.fullmatch(r"\d{10}", q) and npi_check_digit_ok(q):
        keys.npi = q
    if not re.search(r"\d", q):
        keys.surname = surname_index(q)
        keys.referrer_words = [w for w in q.replace(",", " ").split() if len(w) >= 2][:4]
    return keys


def _prefix(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def _referrers(session: AsyncSession, keys: Keys) -> tuple[set[uuid.UUID], set[uuid.UUID]]:
    """(providers matching by name, by NPI)."""
    by_name: set[uuid.UUID] = set()
    by_npi: set[uuid.UUID] = set()
    if keys.referrer_words:
        stmt = select(Provider.id)
        for word in keys.referrer_words:
            pattern = _prefix(word)
            stmt = stmt.where(or_(Provider.family_name.ilike(pattern), Provider.given_name.ilike(pattern)))
        by_name = set((await session.execute(stmt.limit(REFERRER_LIMIT))).scalars())
    if keys.npi:
        by_npi = set((await session.execute(select(Provider.id).where(Provider.npi == keys.npi))).scalars())
    return by_name, by_npi


@dataclass(frozen=True)
class Hit:
    referral: Referral
    matched: list[Match]
    referrer_name: str | None


async def search(session: AsyncSession, *, q: str, limit: int) -> tuple[list[Hit], bool]:
    """(hits newest first, whether more matched than `limit`)."""
    keys = read_query(q)
    by_name, by_npi = await _referrers(session, keys)
    conditions = []
    for column, value in (
        (Referral.id, keys.referral_id),
        (Referral.patient_mrn_index, keys.mrn),
        (Referral.patient_surname_index, keys.surname),
        (Referral.patient_surname_dob_index, keys.surname_dob),
        (Referral.patient_phone_index, keys.phone),
    ):
        if value is not None:
            conditions.append(column == value)
    if keys.reference:
        conditions.append(Referral.reference_key == keys.reference)
    if by_name or by_npi:
        conditions.append(Referral.referring_provider_id.in_(by_name | by_npi))
    rows: list[Referral] = []
    if conditions:
        repo = ReferralRepository(session)
        stmt = repo._scoped(select(Referral).where(or_(*conditions)))
        stmt = (
            stmt.order_by(Referral.received_at.desc(), Referral.id.desc())
            .limit(limit + 1)
            .execution_options(populate_existing=True)
        )
        rows = list((await session.execute(stmt)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    names = await _referrer_names(session, {r.referring_provider_id for r in rows if r.referring_provider_id})
    hits = [
        Hit(
            r,
            _matched(r, keys, by_name, by_npi),
            names.get(r.referring_provider_id) if r.referring_provider_id else None,
        )
        for r in rows
    ]
    # Like any list of patients read: the ids shown are audited, the words typed are not (they may be PHI).
    audit.note(
        session,
        "referral.search",
        "referral",
        None,
        count=len(rows),
        ids=[str(r.id) for r in rows],
        matched=sorted({m.value for h in hits for m in h.matched}),
    )
    return hits, more


def _matched(r: Referral, keys: Keys, by_name: set[uuid.UUID], by_npi: set[uuid.UUID]) -> list[Match]:
    checks = (
        (Match.referral_id, keys.referral_id is not None and r.id == keys.referral_id),
        (Match.reference, keys.reference is not None and r.id.hex.endswith(keys.reference)),
        (Match.mrn, keys.mrn is not None and r.patient_mrn_index == keys.mrn),
        (Match.surname, keys.surname is not None and r.patient_surname_index == keys.surname),
        (Match.surname_birth_date, keys.surname_dob is not None and r.patient_surname_dob_index == keys.surname_dob),
        (Match.phone, keys.phone is not None and r.patient_phone_index == keys.phone),
        (Match.referrer_name, r.referring_provider_id in by_name),
        (Match.referrer_npi, r.referring_provider_id in by_npi),
    )
    return [match for match, hit in checks if hit]


async def _referrer_names(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    stmt = select(Provider.id, Provider.prefix, Provider.given_name, Provider.family_name, Provider.npi).where(
        Provider.id.in_(ids)
    )
    names = {}
    for row in await session.execute(stmt):
        name = " ".join(p for p in (row.prefix, row.given_name, row.family_name) if p)
        names[row.id] = f"{name} (NPI {row.npi})" if row.npi else name
    return names
