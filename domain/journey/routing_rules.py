"""Which routing rule a referral matches, and why: pure, no database."""

from dataclasses import dataclass
from typing import Any

# Condition name -> the referral attribute it reads (referrer_tier is looked up, not stored).
CONDITION_FIELDS = {
    "service_line": "service_line",
    "specialty_code": "specialty_code",
    "urgency": "urgency",
    "payer_class": "payer_class",
    "location": "location_preference",
    "source_channel": "source_channel",
    "referrer_tier": "referrer_tier",
}
CASE_INSENSITIVE = {"service_line", "location"}


@dataclass(frozen=True)
class Check:
    condition: str
    wanted: list[str]
    actual: str | None
    passed: bool

    @property
    def reason(self) -> str:
        shown = "(none)" if self.actual is None else self.actual
        verb = "is" if self.passed else "is not"
        return f"{self.condition} {shown} {verb} one of {', '.join(self.wanted)}"


@dataclass(frozen=True)
class Evaluation:
    rule: Any
    checks: list[Check]

    @property
    def matched(self) -> bool:
        return all(c.passed for c in self.checks)


def _value(facts: dict[str, Any], condition: str) -> str | None:
    value = facts.get(CONDITION_FIELDS[condition])
    return None if value is None else str(getattr(value, "value", value))


def evaluate(rule: Any, facts: dict[str, Any]) -> Evaluation:
    """`facts`: the referral's attributes by name, plus `referrer_tier`. A missing value never matches."""
    checks = []
    # In a fixed order: a JSONB object does not keep the order the admin wrote.
    for condition in (c for c in CONDITION_FIELDS if c in rule.conditions):
        wanted = rule.conditions[condition]
        actual = _value(facts, condition)
        if condition in CASE_INSENSITIVE:
            passed = actual is not None and actual.casefold() in {w.casefold() for w in wanted}
        else:
            passed = actual is not None and actual in wanted
        checks.append(Check(condition, list(wanted), actual, passed))
    return Evaluation(rule, checks)


def first_match(rules: list[Any], facts: dict[str, Any]) -> tuple[Evaluation | None, list[Evaluation]]:
    """Rules in order; evaluation stops at the first that matches."""
    seen = []
    for rule in rules:
        evaluation = evaluate(rule, facts)
        seen.append(evaluation)
        if evaluation.matched:
            return evaluation, seen
    return None, seen


def round_robin_pick(members: list[Any], turn: int) -> Any:
    """`turn` is the queue's counter after this referral took its turn (1, 2, 3, ...)."""
    return members[(turn - 1) % len(members)]


def least_open_pick(members: list[Any], open_counts: dict[Any, int]) -> Any:
    return min(members, key=lambda m: (open_counts.get(m, 0), members.index(m)))
