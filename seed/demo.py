"""Demo data: `refloop seed --demo [--seed N]`, and what `refloop run` loads on first start.

A year of a specialty group's referrals from about 150 referring physicians in about 40
practices: a few heavy referrers and a long tail, some cooling off; every referral walks
the real lifecycle (milestones, timeline, appointments, tasks, SLA clocks). The same seed in the
same hour gives the same data. Rows go in with one COPY per table, every value passed
through its column's own type first, so patient fields are sealed as an ORM insert seals
them, and blind indexes are computed as the services compute them. Development data
only: every demo user's password is public.
"""

import asyncio
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar, cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from domain.identity.models import User
from domain.providers.models import Affiliation, Organization, Provider, StaffContact
from domain.referrals.models import Appointment, Referral, ReferralEvent
from domain.shared.db import Base, driver_connection
from domain.shared.outbox import OutboxMessage
from domain.shared.settings import normalise_database_url
from domain.tasks.models import Task
from seed import catalog as C

DEMO_PASSWORD = "refloop-demo"
DEFAULT_REFERRALS = 3000
EXTERNAL_PRACTICES = 40
REFERRING_PHYSICIANS = 150
# (email, full name, role, queue); each intake coordinator covers two service lines.
DEMO_USERS = (
    ("admin@refloop.local", "Alex Morgan", "admin", None),
    ("intake@refloop.local", "Dana Brooks", "intake", "cardiology-intake"),
    ("liaison@refloop.local", "Jordan Reyes", "liaison", None),
    ("clinician@refloop.local", "Priya Shah", "clinician", None),
    ("analyst@refloop.local", "Sam Whitaker", "analyst", None),
    ("maya.ortiz@refloop.local", "Maya Ortiz", "intake", "orthopedics-intake"),
    ("luis.fernandez@refloop.local", "Luis Fernandez", "intake", "gastroenterology-intake"),
    ("grace.kim@refloop.local", "Grace Kim", "intake", "dermatology-intake"),
)
# Signs in to the referring-practice portal of the busiest referring practice.
PORTAL_USER = "practice@refloop.local"
COORDINATOR_LINES = {
    "intake@refloop.local": ("cardiology", "pulmonology"),
    "maya.ortiz@refloop.local": ("orthopedics", "urology"),
    "luis.fernandez@refloop.local": ("gastroenterology", "endocrinology"),
    "grace.kim@refloop.local": ("dermatology", "neurology"),
}
INSERT_ORDER = (
    Organization,
    User,
    Provider,
    Affiliation,
    StaffContact,
    Referral,
    Appointment,
    ReferralEvent,
    Task,
    OutboxMessage,
)


K = TypeVar("K")


def pick(rng: random.Random, weights: Mapping[K, float]) -> K:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass
class Referrer:
    provider_id: uuid.UUID | None
    organization_id: uuid.UUID | None
    specialty: str
    practice_type: str | None
    slug: str
    contact_method: str
    weight: float
    monthly: list[float] = field(default_factory=list)  # volume factor per month, oldest first


@dataclass
class Demo:
    """Everything the seed inserts, table by table, plus what the referral generator needs."""

    rng: random.Random
    now: datetime
    rows: dict[type[Base], list[dict]] = field(default_factory=lambda: {model: [] for model in INSERT_ORDER})
    users: dict[str, uuid.UUID] = field(default_factory=dict)
    clinicians: dict[str, list[uuid.UUID]] = field(default_factory=dict)
    referrers: list[Referrer] = field(default_factory=list)
    hospitals: list[uuid.UUID] = field(default_factory=list)
    npis: set[str] = field(default_factory=set)

    def uuid_at(self, when: datetime) -> uuid.UUID:
        """A UUIDv7 for `when` with seeded random bits: time-ordered like the app's ids, yet repeatable."""
        millis = int(when.timestamp() * 1000) & ((1 << 48) - 1)
        rand = self.rng.getrandbits(74)
        value = millis << 80 | 0x7 << 76 | (rand >> 62) << 64 | 0b10 << 62 | rand & ((1 << 62) - 1)
        return uuid.UUID(int=value)

    def add(self, model: type[Base], **values: object) -> dict:
        columns = model.__table__.c
        if "version" in columns:
            values.setdefault("version", 1)
        unknown = set(values) - set(columns.keys())
        if unknown:
            raise KeyError(f"{model.__tablename__} has no column {sorted(unknown)}")
        self.rows[model].append(values)
        return values

    def npi(self) -> str:
        while True:
            base = str(self.rng.choice((1, 2))) + "".join(str(self.rng.randrange(10)) for _ in range(8))
            check = next(d for d in range(10) if _luhn_ok("80840" + base + str(d)))
            if (value := base + str(check)) not in self.npis:
                self.npis.add(value)
                return value

    def phone(self) -> str:
        return f"+193755501{self.rng.randrange(100):02d}"  # E.164 in the 555-01xx range, as the API stores them

    def counts(self) -> dict[str, int]:
        return {model.__tablename__: len(rows) for model, rows in self.rows.items()}


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _slug(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _stamp(demo: Demo, when: datetime) -> dict:
    return {"id": demo.uuid_at(when), "created_at": when, "updated_at": when}


def _organization(
    demo: Demo, name: str, kind: str, *, internal: bool = False, parent: uuid.UUID | None = None, npi: bool = True
) -> dict:
    city, postal = demo.rng.choice(C.CITIES)
    domain = f"{_slug(name)[:40]}.example.com"
    return demo.add(
        Organization,
        **_stamp(demo, demo.now - timedelta(days=demo.rng.randint(500, 900))),
        version=1,
        name=name,
        npi=demo.npi() if npi else None,
        kind=kind,
        internal=internal,
        active=True,
        parent_id=parent,
        contact_points=[
            {"system": "phone", "value": demo.phone(), "use": "work"},
            {"system": "fax", "value": demo.phone(), "use": "work"},
            {"system": "url", "value": f"https://www.{domain}", "use": "work"},
        ],
        address={
            "line": [f"{demo.rng.randint(100, 9900)} {demo.rng.choice(C.STREETS)}"],
            "city": city,
            "state": C.STATE,
            "postal_code": postal,
            "country": "US",
        },
    )


def _provider(demo: Demo, *, kind: str, specialties: list[dict], credentials: list[str], **extra: object) -> dict:
    female = demo.rng.random() < 0.5
    given = str(extra.pop("given_name", None) or demo.rng.choice(C.FEMALE_NAMES if female else C.MALE_NAMES))
    family = str(extra.pop("family_name", None) or demo.rng.choice(C.FAMILY_NAMES))
    email = f"{given[0].lower()}{_slug(family)}@{extra.pop('domain', 'riversidespecialtygroup.example.com')}"
    values = {
        **_stamp(demo, demo.now - timedelta(days=demo.rng.randint(400, 900))),
        "version": 1,
        "npi": demo.npi(),
        "prefix": "Dr." if {"MD", "DO"} & set(credentials) else None,
        "given_name": given,
        "family_name": family,
        "suffix": None,
        "credentials": credentials,
        "specialties": specialties,
        "kind": kind,
        "status": "active",
        "merged_into_id": None,
        "preferred_contact_method": "portal",
        "contact_points": [
            {"system": "phone", "value": demo.phone(), "use": "work"},
            {"system": "email", "value": email, "use": "work"},
        ],
        "notes": None,
    }
    values.update(extra)
    return demo.add(Provider, **values)


def _affiliate(demo: Demo, provider: dict, organization_id: uuid.UUID, role: str) -> None:
    demo.add(
        Affiliation,
        **_stamp(demo, provider["created_at"]),
        provider_id=provider["id"],
        organization_id=organization_id,
        role=role,
    )


def _users(demo: Demo, password_hash: str) -> None:
    for email, name, role, queue in DEMO_USERS:
        row = demo.add(
            User,
            **_stamp(demo, demo.now - timedelta(days=400)),
            email=email,
            full_name=name,
            role=role,
            queue=queue,
            organization_id=None,
            password_hash=password_hash,
            active=True,
        )
        demo.users[email] = row["id"]


def _portal_user(demo: Demo, password_hash: str) -> None:
    """A portal account at the busiest referring practice, so the practice's side can be tried too."""
    practice = max((r for r in demo.referrers if r.organization_id), key=lambda r: r.weight)
    row = demo.add(
        User,
        **_stamp(demo, demo.now - timedelta(days=200)),
        email=PORTAL_USER,
        full_name="Casey Lee",
        role="referrer",
        queue=None,
        organization_id=practice.organization_id,
        password_hash=password_hash,
        active=True,
    )
    demo.users[PORTAL_USER] = row["id"]


def _our_group(demo: Demo) -> None:
    group = _organization(demo, C.INTERNAL_ORGANIZATION, "practice", internal=True)
    sites = [
        _organization(
            demo, f"{C.INTERNAL_ORGANIZATION}, {site}", "practice", internal=True, parent=group["id"], npi=False
        )
        for site in C.INTERNAL_SITES
    ]
    for line, spec in C.SERVICE_LINES.items():
        demo.clinicians[line] = []
        for n in range(spec["clinicians"]):
            code, display = spec["specialty"]
            specialties = [{"code": code, "display": display, "primary": True}]
            if spec["sub"] and n % 2 == 1:
                sub_code, sub_display = spec["sub"][n // 2 % len(spec["sub"])]
                specialties.append({"code": sub_code, "display": sub_display, "primary": False})
            credentials = ["PA-C"] if n == spec["clinicians"] - 1 and n >= 3 else ["MD"]
            clinician = _provider(demo, kind="internal", specialties=specialties, credentials=credentials)
            _affiliate(demo, clinician, group["id"], "medical_director" if n == 0 else "member")
            _affiliate(demo, clinician, demo.rng.choice(sites)["id"], "member")
            if line in ("cardiology", "orthopedics", "gastroenterology", "neurology", "urology"):
                _affiliate(demo, clinician, demo.hospitals[0], "hospital_privileges")
            demo.clinicians[line].append(clinician["id"])


def _staff(demo: Demo, provider: dict, domain: str, heavy: bool) -> None:
    for _ in range(demo.rng.choice((1, 2)) if heavy else int(demo.rng.random() < 0.6)):
        given = demo.rng.choice(C.FEMALE_NAMES + C.MALE_NAMES)
        family = demo.rng.choice(C.FAMILY_NAMES)
        demo.add(
            StaffContact,
            **_stamp(demo, provider["created_at"]),
            provider_id=provider["id"],
            name=f"{given} {family}",
            role=pick(demo.rng, C.STAFF_ROLES),
            phone=f"{demo.phone()} ext. {demo.rng.randint(100, 399)}",
            email=f"{given.lower()}.{_slug(family)}@{domain}",
            notes=demo.rng.choice(
                (None, None, "Handles all referrals; call before noon", "Send records by Direct, not fax")
            ),
        )


def _monthly_trend(demo: Demo, rank: int) -> list[float]:
    """Most referrers hold steady; some heavy ones cool off, some new ones ramp up."""
    roll = demo.rng.random()
    if rank < 25 and roll < 0.25:
        start = demo.rng.randint(6, 9)
        return [1.0 if m < start else max(0.08, 1 - 0.3 * (m - start + 1)) for m in range(12)]
    if rank >= 10 and roll > 0.92:
        start = demo.rng.randint(3, 8)
        return [0.0 if m < start else min(1.0, 0.35 * (m - start + 1)) for m in range(12)]
    return [demo.rng.uniform(0.85, 1.15) for _ in range(12)]


def _referring_practices(demo: Demo) -> None:
    system = _organization(demo, C.HEALTH_SYSTEM, "health_system")
    names: set[str] = set()
    practices: list[tuple[str, dict]] = []
    while len(practices) < EXTERNAL_PRACTICES:
        kind = pick(demo.rng, C.PRACTICE_TYPE_WEIGHTS)
        name = f"{demo.rng.choice(C.PRACTICE_PLACES)} {kind}"
        if name in names:
            continue
        names.add(name)
        # Every seventh practice belongs to the regional health system.
        parent = system["id"] if len(practices) % 7 == 0 else None
        practices.append((kind, _organization(demo, name, "practice", parent=parent)))
    # Practice sizes: a few large groups, many small offices.
    sizes = [demo.rng.paretovariate(1.6) for _ in practices]
    for rank in range(REFERRING_PHYSICIANS):
        kind, practice = demo.rng.choices(practices, weights=sizes)[0]
        (code, display) = pick(demo.rng, dict(C.PRACTICE_TYPES[kind]))
        credentials = {"363LF0000X": ["NP"], "363A00000X": ["PA-C"]}.get(code) or [pick(demo.rng, {"MD": 3, "DO": 1})]
        domain = practice["contact_points"][2]["value"].removeprefix("https://www.")
        method = pick(demo.rng, C.CONTACT_METHODS)
        status = "inactive" if demo.rng.random() < 0.04 else "active"
        physician = _provider(
            demo,
            kind="external",
            specialties=[{"code": code, "display": display, "primary": True}],
            credentials=credentials,
            domain=domain,
            preferred_contact_method=method,
            status=status,
        )
        physician["contact_points"].insert(1, {"system": "fax", "value": demo.phone(), "use": "work"})
        _affiliate(demo, physician, practice["id"], "owner" if rank % 11 == 0 else "member")
        if demo.rng.random() < 0.3:
            _affiliate(demo, physician, demo.rng.choice(demo.hospitals), "hospital_privileges")
        _staff(demo, physician, domain, heavy=rank < 20)
        trend = _monthly_trend(demo, rank)
        if status == "inactive":  # left practice a few months ago
            cut = demo.rng.randint(7, 10)
            trend = [t if m < cut else 0.0 for m, t in enumerate(trend)]
        demo.referrers.append(
            Referrer(
                physician["id"],
                practice["id"],
                code,
                kind,
                f"{demo.rng.choice(C.EHR_VENDORS)}-{_slug(practice['name'])}",
                method,
                1 / (rank + 3) ** 1.05,
                trend,
            )
        )
    _merged_duplicates(demo)


def _merged_duplicates(demo: Demo) -> None:
    """Two directory entries created twice by hand and since merged into the real record."""
    external = [p for p in demo.rows[Provider] if p["kind"] == "external"]
    for survivor in external[:2]:
        _provider(
            demo,
            kind="external",
            specialties=survivor["specialties"],
            credentials=survivor["credentials"],
            given_name=survivor["given_name"],
            family_name=survivor["family_name"],
            npi=None,
            status="merged",
            merged_into_id=survivor["id"],
            preferred_contact_method=None,
            notes="Duplicate entry keyed from a fax cover sheet",
        )


def build_demo(*, seed: int, now: datetime, referrals: int = DEFAULT_REFERRALS, password_hash: str) -> Demo:
    """All demo rows, computed without touching a database."""
    from seed.messages import add_messages
    from seed.referrals import add_referrals

    demo = Demo(rng=random.Random(seed), now=now)
    _users(demo, password_hash)
    demo.hospitals = [_organization(demo, name, "hospital")["id"] for name in C.HOSPITALS]
    _our_group(demo)
    _referring_practices(demo)
    _portal_user(demo, password_hash)
    add_referrals(demo, referrals)
    add_messages(demo)
    return demo


async def insert_demo(session: AsyncSession, demo: Demo) -> None:
    """Parents first, each table in one COPY. Values pass through the columns' own bind
    processing first, so patient fields are sealed exactly as an ORM insert seals them.
    The caller commits."""
    connection = await session.connection()
    raw = await driver_connection(session)
    for model in INSERT_ORDER:
        rows = demo.rows[model]
        if not rows:
            continue
        table = cast(Table, model.__table__)  # declared as any FromClause; these models map plain tables
        columns = [table.c[name] for name in rows[0]]
        processors = [
            column.type.dialect_impl(connection.dialect).bind_processor(connection.dialect) for column in columns
        ]
        names = [column.key for column in columns]
        records = [
            tuple(
                row[name] if process is None or row[name] is None else process(row[name])
                for name, process in zip(names, processors, strict=True)
            )
            for row in rows
        ]
        await raw.copy_records_to_table(table.name, records=records, columns=[column.name for column in columns])


async def start_clocks(session: AsyncSession, now: datetime) -> int:
    """Each demo referral's SLA clock, as intake starts one (journey.sla.start_clock: the urgency's targets,
    paused in needs_info, milestones already reached met or breached by their times), so the demo shows SLA
    panels, overdue referrals and SLA attainment as a practice's own data would. Merged ones keep none."""
    from domain.journey import sla

    referrals = (await session.scalars(select(Referral).where(Referral.merged_into_id.is_(None)))).all()
    for referral in referrals:
        await sla.start_clock(session, referral, now=now)
    return len(referrals)


async def escalate_breaches(session: AsyncSession, now: datetime) -> int:
    """The follow-up task for each milestone already breached at the seed's hour, as the minute's SLA sweep
    opens it: the demo starts with its overdue work in the queues, and the worker's first sweep finds none."""
    from domain.journey import sweeps

    total = 0
    while opened := await sweeps.escalate_breaches(session, now=now):
        total += opened
    return total


def demo_now() -> datetime:
    """The data is relative to this hour, so seeding twice in the same hour gives the same rows."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def load_demo(
    url: str, *, seed: int, referrals: int | None = None, now: datetime | None = None, history_years: int = 0
) -> dict[str, int]:
    """`history_years` adds that many years before the live one, through the referral import (seed.history)."""
    from domain.identity.passwords import hash_password

    demo = build_demo(
        seed=seed,
        now=now or demo_now(),
        referrals=referrals or DEFAULT_REFERRALS,
        password_hash=hash_password(DEMO_PASSWORD),
    )

    from seed.history import add_history

    loaded: dict[str, int] = {}

    async def write() -> None:
        engine = create_async_engine(normalise_database_url(url))
        try:
            async with async_sessionmaker(engine)() as session:
                await insert_demo(session, demo)
                loaded["referral_clocks"] = await start_clocks(session, demo.now)
                if history_years:
                    loaded["history"] = await add_history(session, demo, years=history_years)
                loaded["sla escalations"] = await escalate_breaches(session, demo.now)
                await session.commit()
        finally:
            await engine.dispose()

    asyncio.run(write())
    counts = demo.counts() | {name: loaded[name] for name in ("referral_clocks", "sla escalations")}
    if history_years:
        counts["history referrals"] = loaded["history"]
    return counts
