"""Demo outreach history: what the worker would have sent for the last weeks' referrals.

Most acknowledgements went out; some were held back by the recipient cap and one in a dozen
failed at the receiving mail server, so the outreach centre has every state to show. Each
outcome is on the referral's timeline, as the worker records it.
"""

from datetime import timedelta

from domain.referrals.models import Referral, ReferralEvent
from domain.shared.outbox import OutboxMessage
from seed.demo import Demo

RECENT = timedelta(days=45)
BOUNCE = "SMTP 550 5.1.1 The email account that you tried to reach does not exist"


def _outcome(n: int) -> str:
    return "failed" if n % 12 == 5 else "suppressed" if n % 9 == 4 else "sent"


def add_messages(demo: Demo) -> None:
    recent = [r for r in demo.rows[Referral] if r["referring_provider_id"] and demo.now - r["received_at"] < RECENT]
    for n, referral in enumerate(sorted(recent, key=lambda r: r["received_at"])):
        created = referral["received_at"] + timedelta(milliseconds=5)
        status = _outcome(n)
        settled = created + timedelta(seconds=demo.rng.uniform(2, 90))
        message_id = demo.uuid_at(created)
        failed = status == "failed"
        demo.add(
            OutboxMessage,
            id=message_id,
            channel="email",
            kind="acknowledgement",
            recipient_type="provider",
            recipient_id=referral["referring_provider_id"],
            recipient_address=None,
            referral_id=referral["id"],
            payload={},
            idempotency_key=f"acknowledgement:{referral['id']}",
            status=status,
            suppressed_rule="recipient_cap" if status == "suppressed" else None,
            digest_id=None,
            not_before=created,
            claimed_until=None,
            version=3,
            attempts=6 if failed else 1,
            max_attempts=6,
            last_error=BOUNCE if failed else None,
            sent_at=settled if status == "sent" else None,
            external_id=f"<{message_id}@refloop.local>" if status == "sent" else None,
            created_at=created,
            updated_at=settled,
        )
        detail = {
            "message_id": str(message_id),
            "kind": "acknowledgement",
            "channel": "email",
            "recipient_type": "provider",
            "status": status,
            "attempts": 6 if failed else 1,
        }
        if status == "suppressed":
            detail["rule"] = "recipient_cap"
        if failed:
            detail["error"] = BOUNCE
        demo.add(
            ReferralEvent,
            id=demo.uuid_at(settled),
            referral_id=referral["id"],
            at=settled,
            actor="outreach",
            kind="message",
            from_status=None,
            to_status=None,
            reason=None,
            note=None,
            detail=detail,
        )
