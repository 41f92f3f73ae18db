"""R2 (likeness) and R5 (prompt): every talent shown or named has a consent that covers the use."""

from __future__ import annotations

from rightsledger.validation import MIN_USE_DESCRIPTION_CHARS, MIN_USE_DESCRIPTION_WORDS

from .facts import UNION_NOTICE_REQUIRED, ConsentFact, RequestFact, Snapshot, TalentFact
from .outcome import NEEDS_CLEARANCE, PASS, REFUSED, Reason, RecordRef


def _consent_ref(c: ConsentFact) -> RecordRef:
    return RecordRef("consent", c.id, c.seq)


def _consent_problem(
    request: RequestFact, talent: TalentFact, c: ConsentFact, modalities: set[str]
) -> tuple[str, str] | None:
    """Return (problem, remedy) if the consent does not cover the use, else None."""
    if c.status != "active":
        return f"consent {c.id} has been revoked", "Ask the performer for a new consent."
    if request.intended_use in c.prohibited_uses:
        return (
            f"consent {c.id} prohibits {request.intended_use.replace('_', ' ')}",
            "This use cannot be made of the performer's likeness.",
        )
    if request.intended_use not in c.permitted_uses:
        return (
            f"consent {c.id} permits {', '.join(sorted(u.replace('_', ' ') for u in c.permitted_uses))}, "
            f"not {request.intended_use.replace('_', ' ')}",
            "Obtain consent for this specific use.",
        )
    lacking = modalities - c.modalities
    if lacking:
        return (
            f"consent {c.id} does not cover {', '.join(sorted(lacking))}",
            "Obtain consent for that modality, or remove the input.",
        )
    if c.permitted_shots and request.shot_code not in c.permitted_shots:
        return (
            f"consent {c.id} does not include shot {request.shot_code}",
            "Amend the consent to name this shot.",
        )
    if not c.term.covers(request.window):
        return (
            f"consent {c.id} {c.term.gap(request.window)}",
            "Amend the consent's term, or move the release window inside it.",
        )
    missing_media = request.media - c.media
    if missing_media:
        return (
            f"consent {c.id} does not cover {', '.join(sorted(missing_media))}",
            "Narrow the release media or amend the consent.",
        )
    missing = request.territories.missing_from(c.territories)
    if not missing.empty:
        return (
            f"consent {c.id} does not cover {missing.describe()}",
            "Narrow the territories or amend the consent.",
        )
    if c.languages and request.languages - c.languages:
        return (
            f"consent {c.id} does not cover language {', '.join(sorted(request.languages - c.languages))}",
            "Amend the consent.",
        )
    if c.replica_type == "employment_based" and c.scan_notice_date is None:
        return (
            f"consent {c.id} is for an employment-based replica but no scan notice is on record",
            "Record the date the performer was given notice of the scan.",
        )
    if talent.is_deceased and c.grantor_role not in ("estate_representative", "union"):
        return (
            f"the performer is deceased and consent {c.id} was not given by the estate or the union",
            "Obtain consent from the estate's representative, or the union if none can be found.",
        )
    if talent.is_minor and c.grantor_role != "guardian":
        return (
            f"the performer is a minor and consent {c.id} was not given by a guardian",
            "Obtain the guardian's consent.",
        )
    description = c.intended_use_description.strip()
    if c.representation == "none" and (
        len(description) < MIN_USE_DESCRIPTION_CHARS or len(description.split()) < MIN_USE_DESCRIPTION_WORDS
    ):
        return (
            f"the performer had no representation and consent {c.id} lacks a reasonably specific "
            "description of the "
            "intended use (CA Labor Code §927, NY GOL §5-302)",
            "Obtain a consent that describes the use specifically.",
        )
    if c.replica_type in UNION_NOTICE_REQUIRED and c.union_notified_date is None:
        return f"the union has not been notified of consent {c.id}", "Notify the union and record the date."
    return None


def _consent_for_talent(
    request: RequestFact, snapshot: Snapshot, talent_id: int, modalities: set[str], rule: str, via: str
) -> list[Reason]:
    """R2 (likeness input) or R5 (named in the prompt), then R4: every likeness use needs a sign-off."""
    talent = snapshot.talents.get(talent_id) or TalentFact(talent_id, f"talent {talent_id}")
    subject = f"talent {talent_id}"
    consents = sorted(
        (
            c
            for c in snapshot.consents
            if c.talent_id == talent_id and c.production_id == request.production_id
        ),
        key=lambda c: (c.status != "active", -c.id),
    )
    if not consents:
        return [
            Reason(
                rule,
                REFUSED,
                subject,
                f"{talent.name} ({via}) has no consent on record for this production.",
                "Record the performer's informed consent before using their likeness.",
            )
        ]
    problems = []
    for c in consents:
        problem = _consent_problem(request, talent, c, modalities)
        if problem is None:
            use = request.intended_use.replace("_", " ")
            flagged = f" (consent {c.id} is also flagged for review)" if c.requires_review else ""
            return [
                Reason(
                    rule,
                    PASS,
                    subject,
                    f"{talent.name} ({via}) consented by consent {c.id} to {use} "
                    f"({', '.join(sorted(modalities))}) "
                    f"in {request.territories.describe()} from {request.window.start} to "
                    f"{request.window.end}.",
                    records=(_consent_ref(c),),
                    talent_id=talent_id,
                ),
                Reason(
                    "R4",
                    NEEDS_CLEARANCE,
                    subject,
                    f"Using {talent.name}'s likeness needs a clearance sign-off{flagged}.",
                    "A clearance user who is not the requester must sign off.",
                    (_consent_ref(c),),
                ),
            ]
        problems.append((c, problem))
    c, (problem, remedy) = problems[0]
    return [
        Reason(
            rule,
            REFUSED,
            subject,
            f"{talent.name} ({via}): {problem}.",
            remedy,
            tuple(_consent_ref(c) for c, _ in problems),
        )
    ]


def _talent_modalities(request: RequestFact) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for inp in request.inputs:
        if inp.role == "likeness" and inp.talent_id is not None:
            out.setdefault(inp.talent_id, set()).add(inp.modality)
    return out
