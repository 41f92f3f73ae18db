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


@dataclass(frozen=True)
class FaceSeenFact:
    """A performer's face found in an output: in which frame (a still's is 0, with no time; a clip's
    keyframe, at seconds), and its distance to the performer's reference."""

    talent_id: int
    frame_index: int
    seconds: float | None
    distance: float


def _where(seen: FaceSeenFact) -> str:
    if seen.seconds is None:
        return ""
    return f" {seen.seconds:g} seconds into the clip (keyframe {seen.frame_index + 1})"


def likeness_hold(
    run: Outcome,
    seen: tuple[FaceSeenFact, ...] | list[FaceSeenFact],
    talents: dict[int, str],
    as_of_seq: int,
    *,
    threshold: float,
) -> Outcome | None:
    """R6: hold an output in which the face of a performer (talent id -> name) appears whom no
    consent of the run's decision covers; return the hold (a reason per performer, naming the
    first frame they appear in and the distance there), or None when no such face appears."""
    covered = {
        r.talent_id
        for r in run.reasons
        if r.talent_id is not None and r.rule in ("R2", "R5") and r.outcome == PASS
    }
    by_talent: dict[int, list[FaceSeenFact]] = {}
    for s in seen:
        if s.talent_id not in covered:
            by_talent.setdefault(s.talent_id, []).append(s)
    if not by_talent:
        return None
    reasons = []
    for t, sightings in sorted(by_talent.items()):
        first = min(sightings, key=lambda s: (s.seconds or 0, s.frame_index, s.distance))
        name = talents.get(t) or f"talent {t}"
        more = len({s.frame_index for s in sightings}) - 1
        also = f", and in {more} more keyframe{'s' if more != 1 else ''}" if more > 0 else ""
        reasons.append(
            Reason(
                "R6",
                NEEDS_CLEARANCE,
                f"talent {t}",
                f"{name}'s face appears in the output{_where(first)}{also}: its distance to "
                f"{name}'s reference photo is {first.distance:.2f} ({threshold:.2f} or less is the same "
                f"person). No consent of this request covers {name}.",
                "A clearance user must look at the output: approve it if the face is not theirs, or "
                "refuse it.",
                talent_id=t,
            )
        )
    return Outcome(NEEDS_CLEARANCE, tuple(reasons), as_of_seq)
