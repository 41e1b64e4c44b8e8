"""Templates in Jinja2's sandbox: checked when saved, rendered when sent.

StrictUndefined turns a misspelt variable into an error. Saving renders the template
against a sample context of the same shape as the real one, so whatever would fail at
send time fails at save time instead.
"""

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from domain.outreach.kinds import MessageKind
from domain.outreach.settings import outreach_settings
from domain.shared.errors import InvalidInput


@dataclass(frozen=True)
class Rendered:
    subject: str | None
    body: str


@lru_cache
def environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, trim_blocks=False, keep_trailing_newline=False
    )


@lru_cache(maxsize=512)
def _compile(source: str) -> Template:
    return environment().from_string(source)


def render(subject: str | None, body: str, context: dict[str, Any]) -> Rendered:
    rendered_subject = _compile(subject).render(context).strip() if subject is not None else None
    return Rendered(
        subject=" ".join(rendered_subject.split()) if rendered_subject else rendered_subject,
        body=_compile(body).render(context).strip() + "\n",
    )


def check(kind: MessageKind, *, subject: str | None, body: str) -> Rendered:
    """Render against a sample; a failure is a 422 naming the field that broke."""
    context = sample_context(kind)
    results: dict[str, str | None] = {"subject": None}
    for field, source in (("subject", subject), ("body", body)):
        if source is None:
            continue
        try:
            results[field] = _compile(source).render(context)
        except TemplateSyntaxError as exc:
            raise InvalidInput(
                f"Template syntax error on line {exc.lineno}: {exc.message}", field=f"body.{field}"
            ) from exc
        except SecurityError as exc:
            raise InvalidInput(f"Not allowed in a template: {exc}", field=f"body.{field}") from exc
        except TemplateError as exc:
            raise InvalidInput(f"Template cannot be rendered: {exc}", field=f"body.{field}") from exc
        except Exception as exc:  # arithmetic on strings, bad filters' arguments...
            raise InvalidInput(
                f"Template cannot be rendered: {exc.__class__.__name__}: {exc}", field=f"body.{field}"
            ) from exc
    return render(subject, body, context)


def practice_context() -> dict[str, Any]:
    s = outreach_settings()
    return {
        "name": s.practice_name,
        "phone": s.practice_phone,
        "service_lines": s.practice_service_lines,
        "wait_days": s.practice_wait_days,
    }


def sample_context(kind: MessageKind) -> dict[str, Any]:
    """The variables a template of `kind` can use, with made-up values."""
    return {
        "practice": practice_context(),
        "referrer": {"display_name": "Dr. Anna Reyes", "given_name": "Anna", "family_name": "Reyes"},
        "patient": {"given_name": "Maria", "short_name": "Maria L."},
        "referral": {
            "reference": "R-0193C2A1",
            "service_line": "cardiology",
            "status": "accepted",
            "received_on": "Monday, November 23, 2026",
        },
        "appointment": {
            "date": "Thursday, December 3, 2026",
            "time": "9:30 AM",
            "location": "Building B, 2nd floor",
            "link": "http://127.0.0.1:8000/a/[one-time code]",
        },
        "missing": ["Recent ECG tracing", "Insurance card (front and back)"],
        "decline_reason": "this is outside the conditions our clinic treats",
        "note": "We suggest the heart failure clinic at St. Mary's.",
        "consult_summary": "Stable angina; started on a beta blocker, stress echo booked in 6 weeks.",
        "digest": {
            "date": "Monday, November 23, 2026",
            "items": [
                {"title": "Referral received", "patient": "Maria L.", "reference": "R-0193C2A1"},
                {"title": "Referral received", "patient": "John K.", "reference": "R-0193C2B7"},
            ],
        },
        "invitation": {
            "name": "Jordan Lee",
            "role": "an intake coordinator",
            "link": "http://127.0.0.1:8000/invite/[one-time code]",
            "expires": "Monday, November 23, 2026, 9:30 AM",
        },
        "report": {
            "practice": "Riverside Family Practice",
            "month": "November 2026",
            "referrals_sent": 12,
            "patients_seen": 9,
            "median_wait": "6.5 days",
            "loop_closure_notes_sent": 8,
        },
        "kind": kind.value,
    }
