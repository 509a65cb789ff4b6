"""What a fault cost: a world after a fault and its re-run, against a clean run of the same window.

The closing table of issue 12 counts, per scenario:
- posts lost: posts of the clean run missing from the warehouse;
- rows duplicated: rows of posts, mentions and bucket_stats beyond one per key, plus rows the clean
  run does not have;
- alerts lost: deliveries of the clean run that their receiver never got whole;
- duplicated: deliveries a person would see twice (a file line or a bot message received again);
  a webhook request repeated with the same Idempotency-Key is dropped by a receiver honouring the
  key and is counted apart, under "repeats with the key";
- wrongly sent: messages received that the clean run did not send.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .worlds import TABLES, World


@dataclass
class Outcome:
    scenario: str
    posts_lost: int = 0
    rows_duplicated: int = 0
    alerts_lost: int = 0
    duplicated: int = 0
    wrongly_sent: int = 0
    repeats_with_key: int = 0
    notes: list[str] = field(default_factory=list)

    COLUMNS = ("posts lost", "rows duplicated", "alerts lost", "duplicated", "wrongly sent", "repeats with the key")

    def counts(self) -> tuple[int, ...]:
        return (self.posts_lost, self.rows_duplicated, self.alerts_lost, self.duplicated, self.wrongly_sent,
                self.repeats_with_key)


def compare(scenario: str, clean: World, faulted: World) -> Outcome:
    """The fault table's counts for `faulted` against `clean` (see the module doc)."""
    outcome = Outcome(scenario)
    want, got = clean.rows(), faulted.rows()
    outcome.posts_lost = len({r[:2] for r in want["posts"]} - {r[:2] for r in got["posts"]})
    for table, key in TABLES.items():
        keys = Counter(r[:key] for r in got[table])
        outcome.rows_duplicated += sum(n - 1 for n in keys.values()) + len(set(map(repr, got[table])) - set(map(repr, want[table])))
        if got[table] != want[table]:
            outcome.notes.append(f"{table} differs from the clean run")
    if got["alerts"] != want["alerts"] or got["deliveries"] != want["deliveries"]:
        outcome.notes.append("alerts or delivery statuses differ from the clean run")
    sent, received = clean.receipts(), faulted.receipts()
    for channel in ("file", "webhook", "bot"):
        expected, actual = sent[channel], received[channel]
        assert all(n == 1 for n in expected.values()), f"the clean run sent a {channel} delivery twice"
        outcome.alerts_lost += len(set(expected) - set(actual))
        outcome.wrongly_sent += sum(n for key, n in actual.items() if key not in expected)
        repeats = sum(n - 1 for key, n in actual.items() if key in expected)
        if channel == "webhook":
            outcome.repeats_with_key += repeats
        else:
            outcome.duplicated += repeats
    outcome.alerts_lost += received["broken"]["lines"]
    return outcome


def table(outcomes: list[Outcome]) -> str:
    """The fault table as Markdown."""
    lines = ["| scenario | " + " | ".join(Outcome.COLUMNS) + " |", "|---" * (len(Outcome.COLUMNS) + 1) + "|"]
    lines += [f"| {o.scenario} | " + " | ".join(str(n) for n in o.counts()) + " |" for o in outcomes]
    return "\n".join(lines)


NOTHING = (0, 0, 0, 0, 0, 0)


def settle(outcomes: list[Outcome], scenario: str, clean: World, faulted: World,
           expected: tuple[int, ...] = NOTHING) -> None:
    """Count what the fault cost, keep the row for the table, and check it is `expected`."""
    outcome = compare(scenario, clean, faulted)
    outcomes.append(outcome)
    assert outcome.counts() == expected and not outcome.notes, (outcome, expected)
