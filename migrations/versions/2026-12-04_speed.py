"""speed: the outbox insert wakes the relay (NOTIFY), so an idle worker need not poll

A statement-level trigger sends one notification per inserting statement (and a row trigger one
per message put back in the queue) on channel `refloop_outbox`; PostgreSQL delivers it at commit, so the relay never wakes for a row it
cannot see yet, and a rolled-back insert wakes nobody.

Revision ID: speed
Revises: admin
Create Date: 2026-12-04 05:30:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "speed"
down_revision: str | None = "admin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = [
    """
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('refloop_outbox', '');
    RETURN NULL;
END $$
""",
    """
CREATE TRIGGER outbox_messages_notify
    AFTER INSERT ON outbox_messages
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()
""",
    # A resend puts a failed or suppressed message back in the queue: it should leave at once too.
    """
CREATE TRIGGER outbox_messages_requeue_notify
    AFTER UPDATE OF status ON outbox_messages
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status = 'queued')
    EXECUTE FUNCTION outbox_notify()
""",
]

DOWNGRADE = [
    "DROP TRIGGER IF EXISTS outbox_messages_requeue_notify ON outbox_messages",
    "DROP TRIGGER IF EXISTS outbox_messages_notify ON outbox_messages",
    "DROP FUNCTION IF EXISTS outbox_notify()",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
