"""The gate's outcome: one reason per rule per input or talent, each naming its record."""

from __future__ import annotations

from dataclasses import dataclass

APPROVED, REFUSED, NEEDS_CLEARANCE, PASS = "approved", "refused", "needs_clearance", "pass"


# --- Outcome ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordRef:
    type: str  # grant | consent | reservation | asset
    id: int
    seq: int | None = None

    def to_json(self) -> dict:
        return {"type": self.type, "id": self.id, "seq": self.seq}


@dataclass(frozen=True)
class Reason:
    rule: str
    outcome: str  # pass | needs_clearance | refused
    subject: str  # "input 3", "talent 12"
    message: str
    remedy: str = ""
    records: tuple[RecordRef, ...] = ()
    talent_id: int | None = (
        None  # the performer a talent reason is about (not in its JSON: the subject names it)
    )

    def to_json(self) -> dict:
        return {
            "rule": self.rule,
            "outcome": self.outcome,
            "subject": self.subject,
            "records": [r.to_json() for r in self.records],
            "message": self.message,
            "remedy": self.remedy,
        }


@dataclass(frozen=True)
class Outcome:
    outcome: str
    reasons: tuple[Reason, ...]
    as_of_seq: int

    def to_json(self) -> list[dict]:
        return [r.to_json() for r in self.reasons]

    def needing_clearance(self) -> frozenset[tuple[str, str]]:
        return frozenset((r.rule, r.subject) for r in self.reasons if r.outcome == NEEDS_CLEARANCE)
