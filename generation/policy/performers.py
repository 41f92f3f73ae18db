"""The 2026 performer rules, each switched on per production (vocab.PERFORMER_RULES).

  R7  scan         a consent for an employment-based replica (made from a scan or capture on the
                   job) records an articulable business reason for it
  R8  synthetic    a request for a synthetic performer records a justification, and needs a
                   clearance sign-off
  R9  minor        every use of a minor's likeness needs its own clearance sign-off (the
                   guardian's consent is R2's)
  R10 terms        a consent relied on records its compensation and residual terms, by reference;
                   reasons say only that they exist (producers read them)
  R11 advertising  advertising media with a synthetic performer or a digital replica needs the
                   advertising disclosure acknowledged (New York, from June 2026)
  R12 strike       while a union's labour action against the production is in force, no digital
                   replica of its members is used

SAG-AFTRA 2026 TV/Theatrical for R7 to R10 and R12. Pure code, as the rest of the gate.
"""

from __future__ import annotations

from rightsledger.validation import is_articulable
from rightsledger.vocab import ADVERTISING_MEDIA

from .facts import ConsentFact, RequestFact, Snapshot, TalentFact
from .outcome import NEEDS_CLEARANCE, PASS, REFUSED, Reason, RecordRef

SCAN_REPLICA_TYPES = frozenset({"employment_based"})


def performer_reasons(request: RequestFact, snapshot: Snapshot, reasons: list[Reason]) -> list[Reason]:
    """Return the reasons of the performer rules the production has switched on, given the
    reasons R2 and R5 gave (the consents relied on, the performers shown or named)."""
    rules = request.performer_rules
    if not rules:
        return []
    out: list[Reason] = []
    consents = {c.id: c for c in snapshot.consents}
    relied = [
        (r.subject, _talent(snapshot, r.talent_id), consents[ref.id])
        for r in reasons
        if r.rule in ("R2", "R5") and r.outcome == PASS and r.talent_id is not None
        for ref in r.records
        if ref.type == "consent" and ref.id in consents
    ]
    replicas = _shown(reasons)
    for subject, talent, consent in relied:
        if "scan_business_reason" in rules and consent.replica_type in SCAN_REPLICA_TYPES:
            out.append(_scan(subject, talent, consent))
        if "compensation_terms" in rules:
            out.append(_terms(subject, talent, consent))
        if "minor_sign_off" in rules and talent.is_minor:
            out.append(_minor(subject, talent, consent))
    if "synthetic_performer_justified" in rules and request.synthetic_performer:
        out.append(_synthetic(request))
    if "advertising_disclosure" in rules:
        out.extend(_advertising(request, replicas))
    if "labour_action" in rules:
        out.extend(_labour_action(request, snapshot, reasons))
    return out


def _shown(reasons: list[Reason]) -> list[int]:
    """Return the performers a digital replica of whom the request uses: shown by a likeness input
    or named in the prompt (R2 and R5 give a reason about each, as "talent <id>")."""
    return sorted(
        {
            int(r.subject.split()[1])
            for r in reasons
            if r.rule in ("R2", "R5") and r.subject.startswith("talent ")
        }
    )


def _talent(snapshot: Snapshot, talent_id: int) -> TalentFact:
    return snapshot.talents.get(talent_id) or TalentFact(talent_id, f"talent {talent_id}")


def _ref(c: ConsentFact) -> RecordRef:
    return RecordRef("consent", c.id, c.seq)


def _scan(subject: str, talent: TalentFact, c: ConsentFact) -> Reason:
    if is_articulable(c.capture_business_reason):
        return Reason(
            "R7",
            PASS,
            subject,
            f"{talent.name}'s consent {c.id} is for a replica made from a scan, and records the "
            "business reason for the scan.",
            records=(_ref(c),),
        )
    return Reason(
        "R7",
        REFUSED,
        subject,
        f"{talent.name}'s consent {c.id} is for a replica made from a scan, but records no business "
        "reason for the scan.",
        "Amend the consent to say, in a sentence, why this production needs the scan.",
        (_ref(c),),
    )


def _terms(subject: str, talent: TalentFact, c: ConsentFact) -> Reason:
    missing = [
        what
        for what, value in (
            ("compensation", c.compensation_reference),
            ("residual", c.residual_terms_reference),
        )
        if not value.strip()
    ]
    if not missing:
        return Reason(
            "R10",
            PASS,
            subject,
            f"{talent.name}'s consent {c.id} records its compensation and residual terms (clearance and "
            "the guild can read them).",
            records=(_ref(c),),
        )
    return Reason(
        "R10",
        REFUSED,
        subject,
        f"{talent.name}'s consent {c.id} does not record its {' and '.join(missing)} terms.",
        "Amend the consent to name where its compensation and residual terms are set out (a contract "
        "or deal memo reference).",
        (_ref(c),),
    )


def _minor(subject: str, talent: TalentFact, c: ConsentFact) -> Reason:
    return Reason(
        "R9",
        NEEDS_CLEARANCE,
        subject,
        f"{talent.name} is a minor: every use of their likeness needs its own clearance sign-off "
        f"(their guardian consented by consent {c.id}).",
        "A clearance user who is not the requester must sign off this request.",
        (_ref(c),),
    )


def _synthetic(request: RequestFact) -> Reason:
    if not is_articulable(request.synthetic_justification):
        return Reason(
            "R8",
            REFUSED,
            "request",
            "The request asks for a synthetic performer but gives no justification for using one.",
            "Say, in a sentence, why a synthetic performer is used rather than a performer, and submit "
            "again.",
        )
    return Reason(
        "R8",
        NEEDS_CLEARANCE,
        "request",
        "The request asks for a synthetic performer, with a justification: it needs a clearance sign-off.",
        "A clearance user who is not the requester must sign off.",
    )


def _advertising(request: RequestFact, replicas: list[str]) -> list[Reason]:
    ads = sorted(request.media & set(ADVERTISING_MEDIA))
    if not ads or not (request.synthetic_performer or replicas):
        return []
    shown = "a synthetic performer" if request.synthetic_performer else "a digital replica of a performer"
    if request.advertising_disclosure_acknowledged:
        return [
            Reason(
                "R11",
                PASS,
                "request",
                f"The release includes advertising and shows {shown}; the requester acknowledged that "
                "the advertisement discloses it.",
            )
        ]
    return [
        Reason(
            "R11",
            REFUSED,
            "request",
            f"The release includes advertising and shows {shown}: New York requires the advertisement "
            "to disclose it, and the disclosure has not been acknowledged.",
            "Acknowledge that the advertisement will disclose it, or take advertising out of the media.",
        )
    ]


def _labour_action(request: RequestFact, snapshot: Snapshot, reasons: list[Reason]) -> list[Reason]:
    in_force = [a for a in snapshot.labour_actions if a.in_force(snapshot.today)]
    if not in_force:
        return []
    shown = _shown(reasons)
    out = []
    for talent_id in shown:
        talent = _talent(snapshot, talent_id)
        striking = [a for a in in_force if a.guild_id in talent.guild_ids]
        if striking:
            a = striking[0]
            out.append(
                Reason(
                    "R12",
                    REFUSED,
                    f"talent {talent_id}",
                    f"{talent.name} is a member of {a.guild_name}, whose labour action against this "
                    f"production has been in force since {a.started_on}: no digital replica of its members "
                    "may be used while it lasts.",
                    "Wait until clearance records the end of the labour action, or remove the performer "
                    "from the request.",
                    (RecordRef("labour_action", a.id),),
                    talent_id=talent_id,
                )
            )
    if not out and shown:
        out.append(
            Reason(
                "R12",
                PASS,
                "request",
                f"No performer shown belongs to a union whose labour action is in force "
                f"({', '.join(sorted({a.guild_name for a in in_force}))}).",
            )
        )
    return out
