"""Demo referrals: who sends what and when, and each referral's walk through the lifecycle.

Each referral is played forward from its arrival with realistic delays; a step that would
happen after "now" does not happen, so recent referrals are still open and old ones are
mostly finished. Every move goes through the same table (lifecycle.TRANSITIONS) and the
same bookkeeping as the services: milestone stamps, status reason, version, timeline.
"""

import uuid
from datetime import UTC, datetime, timedelta

from domain.providers.models import Provider
from domain.referrals.enums import ReferralStatus as S
from domain.referrals.indexes import patient_indexes
from domain.referrals.lifecycle import MILESTONE_COLUMN, TRANSITIONS, reason_enum
from domain.referrals.models import Appointment, Referral, ReferralEvent
from domain.tasks.models import Task
from seed import catalog as C
from seed.demo import COORDINATOR_LINES, Demo, Referrer, pick

SPEED = {"stat": 0.08, "asap": 0.2, "urgent": 0.45, "routine": 1.0}
PRIORITY = {"routine": "normal", "urgent": "high", "asap": "high", "stat": "urgent"}
STALL_CHANCE = 0.006  # per step: a referral nobody moved on (the work queue's old items)


class NotYet(Exception):
    """The story has reached the present (or stalled): leave the referral where it is."""


def add_referrals(demo: Demo, count: int) -> None:
    patients: list[dict] = []
    weights = _monthly_weights(demo)
    for n, received_at in enumerate(_arrival_times(demo, count)):
        month = min(11, (received_at - (demo.now - timedelta(days=365))).days * 12 // 365)
        referrer, source = _referrer(demo, weights[month])
        referral = _referral(demo, n, received_at, referrer, source, patients)
        Story(demo, referral, referrer).play()
    _outreach_tasks(demo)


def _arrival_times(demo: Demo, count: int) -> list[datetime]:
    """Weekdays mostly, office hours mostly, volume growing a little over the year."""
    rng = demo.rng
    start = (demo.now - timedelta(days=365)).replace(hour=0, minute=0, second=0, microsecond=0)
    day_weights = []
    for d in range(366):
        weekday = (start + timedelta(days=d)).weekday()
        day_weights.append((0.85 + 0.3 * d / 365) * (1.0 if weekday < 5 else 0.1))
    times = []
    for d in rng.choices(range(366), weights=day_weights, k=count):
        hour = rng.uniform(12.5, 22.5) if rng.random() < 0.85 else rng.uniform(0, 24)
        when = start + timedelta(days=d, hours=hour)
        times.append(when if when < demo.now else when - timedelta(days=1))
    return sorted(times)


def _monthly_weights(demo: Demo) -> list[list[float]]:
    return [[r.weight * r.monthly[m] for r in demo.referrers] for m in range(12)]


def _referrer(demo: Demo, weights: list[float]) -> tuple[Referrer, str]:
    rng = demo.rng
    if rng.random() < 0.82:
        referrer = rng.choices(demo.referrers, weights=weights)[0]
        return referrer, "urgent_care" if referrer.practice_type == "Urgent Care" else "physician"
    source = str(pick(rng, C.OTHER_SOURCES))
    if source in ("hospital", "emergency_department"):
        hospital = rng.choice(demo.hospitals)
        specialty = C.EMERGENCY[0] if source == "emergency_department" else C.INTERNAL_MEDICINE[0]
        return Referrer(
            None, hospital, specialty, None, f"cerner-hospital{demo.hospitals.index(hospital)}", "fax", 0
        ), source
    return Referrer(None, None, C.FAMILY_MEDICINE[0], None, "self", "phone", 0), source


def _service_line(demo: Demo, referrer: Referrer) -> str:
    mix: dict[str, float] = dict(C.REFERRER_MIX.get(referrer.specialty, C.PRIMARY_CARE_MIX))
    if referrer.provider_id is not None:  # each physician leans towards one line
        favourite = sorted(mix)[referrer.provider_id.int % len(mix)]
        mix[favourite] *= 2.5
    return str(pick(demo.rng, mix))


def _patient(demo: Demo, referrer: Referrer, payer_class: str, received_at: datetime) -> dict:
    rng = demo.rng
    sex = "female" if rng.random() < 0.54 else "male"
    if referrer.specialty == C.PEDIATRICS[0]:
        age = rng.randint(1, 17)
    elif payer_class == "medicare":
        age = rng.randint(65, 92)
    else:
        age = rng.randint(18, 64)
    birth = received_at.date() - timedelta(days=age * 365 + rng.randint(0, 364))
    given = rng.choice(C.FEMALE_NAMES if sex == "female" else C.MALE_NAMES)
    family = rng.choice(C.FAMILY_NAMES)
    city, postal = rng.choice(C.CITIES)
    return {
        "given_name": given,
        "family_name": family,
        "birth_date": birth,
        "sex": sex,
        "phone": demo.phone(),
        "email": f"{given.lower()}.{family.lower().replace(chr(39), '')}{rng.randint(1, 99)}@example.net"
        if rng.random() < 0.55
        else None,
        "address": {
            "line": [f"{rng.randint(10, 9990)} {rng.choice(C.STREETS)}"],
            "city": city,
            "state": C.STATE,
            "postal_code": postal,
            "country": "US",
        },
        "mrn": None if referrer.slug == "self" else f"{referrer.slug[-3:].upper()}{rng.randrange(10**6, 10**7)}",
        "notes": rng.choice(C.PATIENT_NOTES) if rng.random() < 0.08 else None,
    }


def _referral(demo: Demo, n: int, received_at: datetime, referrer: Referrer, source: str, patients: list[dict]) -> dict:
    rng = demo.rng
    line = _service_line(demo, referrer)
    pediatric = referrer.specialty == C.PEDIATRICS[0]
    payers = {k: v for k, v in C.PAYERS.items() if not pediatric or k in ("commercial", "medicaid", "tricare")}
    payer_class = str(pick(rng, {k: weight for k, (_, weight) in payers.items()}))
    if patients and rng.random() < 0.08:  # a patient we have seen before, often for another problem
        patient = rng.choice(patients)
    else:
        patient = _patient(demo, referrer, payer_class, received_at)
        patients.append(patient)
    if source == "self_referral":
        channel = str(pick(rng, {"phone": 6, "email": 2, "staff": 2}))
    elif referrer.contact_method == "fhir" and rng.random() < 0.85:
        channel = "fhir"
    else:
        channel = str(pick(rng, C.CHANNELS))
    urgency = str(
        pick(
            rng,
            {"routine": 20, "urgent": 45, "asap": 25, "stat": 10} if source == "emergency_department" else C.URGENCIES,
        )
    )
    code, reason = rng.choice(C.REASONS[line])
    specialty_code, specialty_display = C.SERVICE_LINES[line]["specialty"]
    source_system, source_identifier = {
        "fhir": (f"https://fhir.{referrer.slug}.example.com/referrals", f"SR-{n + 100000}"),
        "partner_api": (f"partner:{referrer.slug}", f"P{n + 5000}"),
    }.get(channel, (None, None))
    return demo.add(
        Referral,
        id=demo.uuid_at(received_at),
        created_at=received_at,
        updated_at=received_at,
        version=1,
        source_system=source_system,
        source_identifier=source_identifier,
        source_channel=channel,
        referral_source=source,
        **{f"patient_{k}": v for k, v in patient.items()},
        **patient_indexes(
            family_name=patient["family_name"],
            given_name=patient["given_name"],
            birth_date=patient["birth_date"],
            mrn=patient["mrn"],
            phone=patient["phone"],
        ),
        referring_provider_id=referrer.provider_id,
        referring_organization_id=referrer.organization_id,
        receiving_provider_id=rng.choice(demo.clinicians[line]) if rng.random() < 0.15 else None,
        service_line=line,
        specialty_code=specialty_code,
        specialty_display=specialty_display,
        urgency=urgency,
        reason=reason,
        icd10_codes=[code],
        payer_name=rng.choice(C.PAYERS[payer_class][0]),
        payer_class=payer_class,
        location_preference=rng.choice(C.INTERNAL_SITES) if rng.random() < 0.55 else None,
        status="received",
        status_reason=None,
        assignee_id=None,
        queue=f"{line}-intake",
        received_at=received_at,
        first_contact_at=None,
        needs_info_at=None,
        accepted_at=None,
        scheduled_at=None,
        completed_at=None,
        closed_at=None,
        declined_at=None,
        cancelled_at=None,
        no_show_count=0,
    )


def _slot(demo: Demo, after: datetime, days: float) -> datetime:
    """An appointment slot on a weekday, office hours (Eastern time, stored in UTC)."""
    day = (after + timedelta(days=max(days, 0.5))).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    hour, minute = demo.rng.randint(13, 20), demo.rng.choice((0, 15, 30, 45))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


class Story:
    def __init__(self, demo: Demo, referral: dict, referrer: Referrer) -> None:
        self.demo, self.r, self.referrer, self.rng = demo, referral, referrer, demo.rng
        self.t: datetime = referral["received_at"]
        self.speed = SPEED[referral["urgency"]]
        self.line = referral["service_line"]
        coordinator = next(email for email, lines in COORDINATOR_LINES.items() if self.line in lines)
        self.actor = coordinator
        self.coordinator_id = demo.users[coordinator]
        self.open_tasks: list[dict] = []

    # --- time ------------------------------------------------------------------------------
    def later(self, **delta: float) -> datetime:
        return self.until(self.t + timedelta(**delta))

    def until(self, when: datetime) -> datetime:
        if when >= self.demo.now or self.rng.random() < STALL_CHANCE:
            raise NotYet
        self.t = max(self.t, when)
        return self.t

    # --- bookkeeping, as the services do it ------------------------------------------------
    def event(self, kind: str, *, actor: str | None = None, **values: object) -> None:
        row = {"from_status": None, "to_status": None, "reason": None, "note": None, "detail": {}, **values}
        self.demo.add(
            ReferralEvent,
            id=self.demo.uuid_at(self.t),
            referral_id=self.r["id"],
            at=self.t,
            actor=actor or self.actor,
            kind=kind,
            **row,
        )
        self.t += timedelta(milliseconds=1)  # the next line of the timeline comes after this one

    def touch(self) -> None:
        self.r["updated_at"] = self.t
        self.r["version"] += 1

    def move(
        self,
        to: str,
        *,
        reason: str | None = None,
        actor: str | None = None,
        detail: dict | None = None,
        note: str | None = None,
    ) -> None:
        current, target = S(self.r["status"]), S(to)
        if target not in TRANSITIONS[current]:
            raise AssertionError(f"demo data tried {current} -> {target}")
        reasons = reason_enum(current, target)
        if reasons is not None and reason not in {m.value for m in reasons}:
            raise AssertionError(f"demo data moved {current} -> {target} with reason {reason!r}")
        # The work that led here is finished (or moot) first, then the move itself.
        self.finish_tasks("cancelled" if target in (S.declined, S.cancelled) else "done")
        self.r["status"], self.r["status_reason"] = target.value, reason if reasons is not None else None
        milestone = MILESTONE_COLUMN[target]
        self.r[milestone] = self.r[milestone] or self.t
        if target is S.scheduled and self.r["first_contact_at"] is None:
            self.r["first_contact_at"] = self.t
        self.touch()
        self.event(
            "transition",
            actor=actor,
            from_status=current.value,
            to_status=target.value,
            reason=reason,
            note=note,
            detail=detail or {},
        )

    def task(self, kind: str, title: str, *, hours: float) -> None:
        created = self.t
        row = self.demo.add(
            Task,
            id=self.demo.uuid_at(created),
            created_at=created,
            updated_at=created,
            version=1,
            type=kind,
            title=title,
            description=None,
            referral_id=self.r["id"],
            provider_id=None,
            assignee_id=self.r["assignee_id"],
            queue=self.r["queue"],
            due_at=created + timedelta(hours=hours),
            priority=PRIORITY[self.r["urgency"]],
            status="open",
            completed_at=None,
        )
        self.open_tasks.append(row)
        self.task_event(row)

    def set_task(self, row: dict, status: str) -> None:
        # As the tasks service does: done is stamped, anything else clears the stamp.
        row.update(
            status=status,
            completed_at=self.t if status == "done" else None,
            updated_at=self.t,
            version=row["version"] + 1,
        )
        self.task_event(row)

    def task_event(self, row: dict) -> None:
        self.event("task", detail={"task_id": str(row["id"]), "status": row["status"], "type": row["type"]})

    def finish_tasks(self, status: str) -> None:
        for row in self.open_tasks:
            self.set_task(row, status)
        self.open_tasks.clear()

    # --- the lifecycle -----------------------------------------------------------------------
    def play(self) -> None:
        channel = self.r["source_channel"]
        creator = {"fhir": f"ehr:{self.referrer.slug}", "partner_api": f"partner:{self.referrer.slug}"}
        self.event(
            "created", actor=creator.get(channel, self.actor), to_status="received", detail={"source_channel": channel}
        )
        try:
            self.assign()
            if self.r["payer_class"] in ("medicaid", "self_pay", "workers_comp", "other"):
                self.task("verify_insurance", f"Verify insurance for {self.line} referral", hours=24)
            self.triage()
        except NotYet:
            for row in self.open_tasks:  # someone has started on some of them
                if self.rng.random() < 0.3:
                    self.set_task(row, "in_progress")

    def assign(self) -> None:
        if self.rng.random() < 0.1:
            return  # stays in the queue for whoever picks it up
        self.later(hours=self.rng.uniform(0.1, 6) * self.speed)
        self.r["assignee_id"] = self.coordinator_id
        self.touch()
        self.event("assigned", detail={"fields": ["assignee_id"]})

    def triage(self) -> None:
        self.later(hours=self.rng.uniform(1, 40) * self.speed)
        payer = self.r["payer_class"]
        decline = 0.05 + (0.07 if payer in ("medicaid", "self_pay", "other") else 0)
        roll = self.rng.random()
        if roll < decline:
            reasons = {
                "misdirected": 4,
                "not_indicated": 3,
                "out_of_network": 5 if payer != "commercial" else 1,
                "incomplete": 1,
                "other": 1,
            }
            self.move("declined", reason=str(pick(self.rng, reasons)))
            return
        if roll < decline + 0.16:
            self.move("needs_info")
            self.task("request_info", "Request missing records from the referring office", hours=48)
            self.later(days=self.rng.uniform(0.3, 9))
            roll = self.rng.random()
            if roll < 0.08:
                self.move("declined", reason=str(pick(self.rng, {"not_indicated": 3, "other": 1})))
                return
            if roll < 0.2:
                reasons = {"insurance": 3, "patient_unreachable": 2, "patient_declined": 2, "other": 1}
                self.move("cancelled", reason=str(pick(self.rng, reasons)))
                return
        self.move("accepted")
        self.schedule()

    def schedule(self) -> None:
        for booking in range(3):
            title = f"Call patient to schedule {self.line}" if booking == 0 else f"Rebook {self.line} appointment"
            self.task("call_patient" if booking == 0 else "schedule", title, hours=4 if self.speed < 1 else 48)
            if not self.reach_patient():
                self.later(days=self.rng.uniform(1, 6))
                self.move("cancelled", reason="patient_unreachable")
                return
            if self.rng.random() < 0.06:
                reasons = {"patient_declined": 3, "went_elsewhere": 3, "insurance": 2, "other": 1}
                self.move("cancelled", reason=str(pick(self.rng, reasons)))
                return
            outcome = self.book_and_attend()
            if outcome == "fulfilled":
                self.close_loop()
                return
            if self.rng.random() < (0.45 if outcome == "noshow" else 0.35):
                self.later(days=self.rng.uniform(1, 10))
                reason = (
                    "no_show"
                    if outcome == "noshow"
                    else str(pick(self.rng, {"went_elsewhere": 3, "patient_declined": 2}))
                )
                self.move("cancelled", reason=reason)
                return
        self.later(days=self.rng.uniform(1, 5))
        self.move("cancelled", reason="other", note="Three appointments missed or cancelled")

    def reach_patient(self) -> bool:
        for attempt in range(3):
            self.later(hours=self.rng.uniform(0.5, 30) * self.speed)
            reached = self.rng.random() < (0.72 if attempt < 2 else 0.5)
            if self.r["first_contact_at"] is None:
                self.r["first_contact_at"] = self.t
                self.touch()
            self.event(
                "contact_attempt",
                note=None if reached else "Left voicemail",
                detail={"channel": "phone", "reached": reached},
            )
            if reached:
                return True
        return False

    def book_and_attend(self) -> str:
        rng = self.rng
        if self.r["receiving_provider_id"] is None:
            self.r["receiving_provider_id"] = rng.choice(self.demo.clinicians[self.line])
            self.touch()
            self.event("updated", detail={"fields": ["receiving_provider_id"]})
        wait = C.SERVICE_LINES[self.line]["wait_days"]
        days = rng.uniform(0.4, 1.8) * wait if self.speed == 1 else rng.uniform(0.2, 6) * self.speed * 2
        start = _slot(self.demo, self.t, days)
        appointment = self.demo.add(
            Appointment,
            id=self.demo.uuid_at(self.t),
            created_at=self.t,
            updated_at=self.t,
            version=1,
            referral_id=self.r["id"],
            status="booked",
            start=start,
            end=start + timedelta(minutes=rng.choice((30, 45, 60))),
            provider_id=self.r["receiving_provider_id"],
            location=self.r["location_preference"] or rng.choice(C.INTERNAL_SITES),
            source_system=None,
            source_identifier=None,
            cancel_reason=None,
        )
        detail = {"appointment_id": str(appointment["id"])}
        self.move("scheduled", detail=detail)
        self.log(appointment, "booked")
        roll = rng.random()
        no_show = 0.14 if self.r["payer_class"] == "medicaid" else 0.07
        if roll < 0.07:
            self.until(self.t + (start - self.t) * rng.uniform(0.2, 0.9))
            reason = rng.choice(
                (
                    "Patient cancelled: feeling better",
                    "Patient cancelled: no transport",
                    "Clinic cancelled: clinician unavailable",
                )
            )
            self.set_status(appointment, "cancelled", cancel_reason=reason)
            self.move("accepted", reason="appointment_cancelled", detail=detail)
            return "cancelled"
        if roll < 0.07 + no_show:
            self.until(start + timedelta(minutes=15))
            self.set_status(appointment, "noshow")
            self.r["no_show_count"] += 1
            self.move("accepted", reason="no_show", detail=detail)
            self.task("follow_up", "Reach patient after a missed appointment", hours=24)
            return "noshow"
        self.until(appointment["end"])
        self.set_status(appointment, "fulfilled")
        self.move("completed", detail=detail, note=visit_note(self.r["service_line"], self.r["id"]))
        return "fulfilled"

    def set_status(self, appointment: dict, status: str, **changes: object) -> None:
        appointment.update(status=status, updated_at=self.t, version=appointment["version"] + 1, **changes)
        self.log(appointment, status)

    def log(self, appointment: dict, what: str) -> None:
        self.event(
            "appointment",
            detail={
                "appointment_id": str(appointment["id"]),
                "status": what,
                "start": appointment["start"].isoformat(),
            },
        )

    def close_loop(self) -> None:
        if self.rng.random() < 0.35:
            self.task("send_records", "Send the consult note to the referring provider", hours=48)
        self.later(hours=self.rng.uniform(1, 96))
        if self.rng.random() < 0.93:
            self.move("closed", actor="system:loop-closure", detail={"channel": self.referrer.contact_method})


def visit_note(service_line: str, referral_id: uuid.UUID) -> str:
    """A visit summary for the line, picked by the referral's id (not by the random generator, so the
    rest of the demo data stays as it was). Every line has its notes, as it has its reasons."""
    notes = C.VISIT_NOTES[service_line]
    return notes[referral_id.int % len(notes)]


def _outreach_tasks(demo: Demo) -> None:
    """The liaison's visits to referrers whose volume is falling: one done, one still to do."""
    liaison = demo.users["liaison@refloop.local"]
    names = {p["id"]: f"{p['prefix'] or ''} {p['given_name']} {p['family_name']}".strip() for p in demo.rows[Provider]}
    for referrer in demo.referrers:
        if referrer.monthly[-1] >= 0.5 or referrer.monthly[0] < 0.5 or referrer.provider_id is None:
            continue
        for due_days, status in ((-40.0, "done"), (demo.rng.uniform(-10, 14), "open")):
            due = demo.now + timedelta(days=due_days)
            created = due - timedelta(days=14)
            demo.add(
                Task,
                id=demo.uuid_at(created),
                created_at=created,
                updated_at=min(due, demo.now),
                version=2 if status == "done" else 1,
                type="outreach",
                title=f"Visit {names[referrer.provider_id]}: referrals are falling",
                description="Volume down over the last months; ask about access and turnaround.",
                referral_id=None,
                provider_id=referrer.provider_id,
                assignee_id=liaison,
                queue=None,
                due_at=due,
                priority="normal",
                status=status,
                completed_at=due if status == "done" else None,
            )
