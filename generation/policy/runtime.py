"""At run time (R4 by the approving sign-off) and after the run (R6, likeness_hold)."""

from __future__ import annotations

from dataclasses import dataclass

from .outcome import APPROVED, NEEDS_CLEARANCE, PASS, Outcome, Reason

# --- At run time, and after ----------------------------------------------------------------------


@dataclass(frozen=True)
class SignOffFact:
    """An approving sign-off, and the items needing clearance (rule, subject) that it covered."""

    id: int
    approver_id: int
    covered: frozenset[tuple[str, str]]


def at_run_time(outcome: Outcome, sign_off: SignOffFact | None) -> Outcome:
    """R4 at run time: the outcome of re-checking a request against the ledger as it is now.
    Items that need clearance pass only if the request's approving sign-off covered them."""
    if outcome.outcome != NEEDS_CLEARANCE:
        return outcome
    needed = outcome.needing_clearance()
    covered = sign_off.covered if sign_off else frozenset()
    if sign_off and needed <= covered:
        signed = Reason(
            "R4",
            PASS,
            "request",
            f"The items needing clearance were signed off by user {sign_off.approver_id} (sign-off "
            f"{sign_off.id}).",
        )
        return Outcome(APPROVED, (*outcome.reasons, signed), outcome.as_of_seq)
    new = sorted(f"{rule} {subject}" for rule, subject in needed - covered)
    unsigned = Reason(
        "R4",
        NEEDS_CLEARANCE,
        "request",
        f"Items need clearance that no sign-off covered: {', '.join(new)}.",
        "Submit a new request for sign-off.",
    )
    return Outcome(NEEDS_CLEARANCE, (*outcome.reasons, unsigned), outcome.as_of_seq)


def likeness_hold(run: Outcome, resemblances: dict[int, float], as_of_seq: int) -> Outcome | None:
    """R6: hold an output that resembles (talent id -> cosine) a performer whom no consent of the
    run's decision covers; return the hold, or None when nothing resembles an uncovered performer."""
    covered = {
        r.talent_id
        for r in run.reasons
        if r.talent_id is not None and r.rule in ("R2", "R5") and r.outcome == PASS
    }
    uncovered = {t: c for t, c in resemblances.items() if t not in covered}
    if not uncovered:
        return None
    reasons = tuple(
        Reason(
            "R6",
            NEEDS_CLEARANCE,
            f"talent {t}",
            f"The output resembles the likeness reference of talent {t} (cosine {c:.2f}), whom no consent "
            "of this request covers.",
            "A clearance user must review the output: approve it if the resemblance is a false alarm, or "
            "refuse it.",
            talent_id=t,
        )
        for t, c in sorted(uncovered.items())
    )
    return Outcome(NEEDS_CLEARANCE, reasons, as_of_seq)
