"""The rights gate: does the production hold the rights and consents for this generation?

Pure code: no ORM, no Django. It takes a request and a snapshot of the records that concern it
(as of one ledger sequence number) and returns an outcome with one reason per rule per input or
talent. Every reason names the record it relied on, says in a sentence what it found, and what
would make it pass.

Rules
  R1 rights      every input is covered by active grants permitting genai_input, for the
                 production, every release medium, territory and language, over the whole window
  R2 likeness    every talent shown by a likeness input has an active consent that covers it
  R3 training    an engine that trains on its inputs needs genai_training grants, consents that
                 allow training, and no training reservation on any input, talent, owner or the
                 production
  R4 review      a grant or consent flagged for review, and every likeness use, needs a sign-off
  R5 prompt      a registered talent named in the prompt needs a covering consent
  R6 likeness    after the run, an output that resembles a performer whom no consent of the
                 request covers is held for clearance (likeness_hold)

At run time the request is evaluated again against the ledger as it is then, and R4 passes only
for the items its approving sign-off covered (at_run_time).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cached_property

from rightsledger import vocab
from rightsledger.validation import MIN_USE_DESCRIPTION_CHARS, MIN_USE_DESCRIPTION_WORDS
from rightsledger.vocab import WORLD

APPROVED, REFUSED, NEEDS_CLEARANCE, PASS = "approved", "refused", "needs_clearance", "pass"
TRAINING_USES = frozenset(vocab.TRAINING_USES)
# Replica types whose use the union must be told of before use (SAG-AFTRA 2023 TV/Theatrical).
UNION_NOTICE_REQUIRED = frozenset({"employment_based", "independently_created"})


# --- Facts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Territories:
    """A set of territories: either finite (codes) or WORLD minus exclusions (cofinite)."""

    codes: frozenset[str] = frozenset()
    world: bool = False

    @classmethod
    def of(cls, territories, exclusions=()) -> Territories:
        codes = {t.upper() for t in territories}
        if WORLD in codes:
            return cls(frozenset(e.upper() for e in exclusions), True)
        return cls(frozenset(codes), False)

    def union(self, other: Territories) -> Territories:
        if self.world and other.world:
            return Territories(self.codes & other.codes, True)
        if self.world:
            return Territories(self.codes - other.codes, True)
        if other.world:
            return Territories(other.codes - self.codes, True)
        return Territories(self.codes | other.codes, False)

    def missing_from(self, cover: Territories) -> Territories:
        """Return the part of self that cover does not include (self minus cover)."""
        if not self.world and not cover.world:
            return Territories(self.codes - cover.codes, False)
        if not self.world and cover.world:
            return Territories(self.codes & cover.codes, False)
        if self.world and cover.world:
            return Territories(cover.codes - self.codes, False)
        return Territories(self.codes | cover.codes, True)  # WORLD minus (mine and what cover has)

    @property
    def empty(self) -> bool:
        return not self.world and not self.codes

    def describe(self) -> str:
        if self.world:
            return WORLD + (f" except {', '.join(sorted(self.codes))}" if self.codes else "")
        return ", ".join(sorted(self.codes))


@dataclass(frozen=True)
class Window:
    start: datetime.date
    end: datetime.date


@dataclass(frozen=True)
class Term:
    start: datetime.date
    end: datetime.date | None  # None: in perpetuity

    def covers(self, window: Window) -> bool:
        return self.start <= window.start and (self.end is None or self.end >= window.end)

    def gap(self, window: Window) -> str:
        if self.start > window.start:
            return f"starts {self.start}, after the release window opens on {window.start}"
        return f"ends {self.end}, before the release window ends on {window.end}"


@dataclass(frozen=True)
class GrantFact:
    id: int
    seq: int
    production_id: int
    asset_ids: frozenset[int]
    uses: frozenset[str]
    media: frozenset[str]
    territories: Territories
    languages: frozenset[str]  # empty: every language
    term: Term
    status: str  # active | revoked
    requires_review: bool = False
    restrictions: str = ""

    @cached_property
    def ref(self) -> RecordRef:
        """The reference reasons give: made once, as a grant's facts are kept between decisions."""
        return RecordRef("grant", self.id, self.seq)


@dataclass(frozen=True)
class ConsentFact:
    id: int
    seq: int
    talent_id: int
    production_id: int
    status: str
    grantor_role: str
    representation: str
    replica_type: str
    modalities: frozenset[str]
    intended_use_description: str
    permitted_uses: frozenset[str]
    prohibited_uses: frozenset[str]
    permitted_shots: frozenset[str]
    media: frozenset[str]
    territories: Territories
    languages: frozenset[str]
    term: Term
    training_permission: str = "none"
    scan_notice_date: datetime.date | None = None
    union_notified_date: datetime.date | None = None
    requires_review: bool = False


@dataclass(frozen=True)
class ReservationFact:
    id: int
    seq: int
    subject_type: str  # asset | talent | party | production
    subject_id: int
    uses: frozenset[str]
    effective_date: datetime.date


@dataclass(frozen=True)
class TalentFact:
    id: int
    name: str
    is_deceased: bool = False
    is_minor: bool = False


@dataclass(frozen=True)
class InputFact:
    position: int  # 1-based, as a producer counts
    role: str
    asset_id: int | None  # None: matched nothing
    match: str = "registered"  # registered | sha256 | fingerprint | unregistered
    match_note: str = ""  # how it was matched, for the reason
    owner_party_id: int | None = None
    talent_id: int | None = None  # the performer a likeness input shows
    modality: str = "face"


@dataclass(frozen=True)
class EngineFact:
    name: str
    version: str
    trains_on_inputs: bool = False


@dataclass(frozen=True)
class RequestFact:
    production_id: int
    shot_code: str
    engine: EngineFact
    intended_use: str
    media: frozenset[str]
    territories: Territories
    languages: frozenset[str]
    window: Window
    inputs: tuple[InputFact, ...]
    prompt_talent_ids: frozenset[int] = frozenset()

    # Derived once per request (a cached_property writes to the instance's __dict__, which a
    # frozen dataclass allows): every input's reasons read them.
    @cached_property
    def sorted_media(self) -> list[str]:
        return sorted(self.media)

    @cached_property
    def sorted_languages(self) -> list[str | None]:
        """The languages in order, or [None] for a request that names none (every language)."""
        return sorted(self.languages) or [None]

    @cached_property
    def scope(self) -> str:
        """The media, territories and window, as reasons name them."""
        return (
            f"{', '.join(self.sorted_media)} in {self.territories.describe()} "
            f"from {self.window.start} to {self.window.end}"
        )


@dataclass(frozen=True)
class Snapshot:
    """The records that concern one request, as of ledger sequence number `as_of_seq`: for
    each grant, consent and reservation, its latest version at or below that number."""

    as_of_seq: int
    today: datetime.date
    grants: tuple[GrantFact, ...] = ()
    consents: tuple[ConsentFact, ...] = ()
    reservations: tuple[ReservationFact, ...] = ()
    talents: dict[int, TalentFact] = field(default_factory=dict)

    @cached_property
    def grants_by_id(self) -> dict[int, GrantFact]:
        return {g.id: g for g in self.grants}

    @cached_property
    def grants_by_asset(self) -> dict[int, list[GrantFact]]:
        index: dict[int, list[GrantFact]] = {}
        for g in self.grants:
            for a in g.asset_ids:
                index.setdefault(a, []).append(g)
        return index


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


# --- Rules ------------------------------------------------------------------------------------


def _consent_ref(c: ConsentFact) -> RecordRef:
    return RecordRef("consent", c.id, c.seq)


def _union(many) -> Territories:
    """Territories.union over many, folded without a Territories per step."""
    world, codes = False, set()
    for t in many:
        if t.world:
            codes = (codes & t.codes) if world else (t.codes - codes)
            world = True
        elif world:
            codes -= t.codes
        else:
            codes |= t.codes
    return Territories(frozenset(codes), world)


def _coverage(request: RequestFact, grants: list[GrantFact], use: str) -> tuple[list[str], list[GrantFact]]:
    """Return (gaps, grants relied on) for the request's media x languages x territories.

    Territories may be assembled from several grants for the same medium and language.
    """
    gaps, relied, missing_for = [], {}, {}
    with_use = [g for g in grants if use in g.uses]
    for medium in request.sorted_media:
        in_medium = [g for g in with_use if medium in g.media]
        for language in request.sorted_languages:
            usable = (
                in_medium
                if language is None
                else [g for g in in_medium if not g.languages or language in g.languages]
            )
            if not usable:
                gaps.append(f"no grant permits {use} for {_where(medium, language)}")
                continue
            key = tuple(g.id for g in usable)  # media and languages often share their grants
            missing = missing_for.get(key)
            if missing is None:
                missing = missing_for[key] = request.territories.missing_from(
                    _union(g.territories for g in usable)
                )
            if not missing.empty:
                gaps.append(f"{_where(medium, language)} is not granted in {missing.describe()}")
            else:
                for g in usable:
                    relied[g.id] = g
    return gaps, [relied[i] for i in sorted(relied)]


def _where(medium: str, language: str | None) -> str:
    return medium + (f" in language {language}" if language else "")


def _rights_for_input(
    request: RequestFact, snapshot: Snapshot, inp: InputFact, use: str, rule: str
) -> Reason:
    subject = f"input {inp.position}"
    if inp.asset_id is None:
        return Reason(
            rule,
            REFUSED,
            subject,
            f"Input {inp.position} ({inp.role}) is an unregistered input: it matches no registered asset.",
            "Register the file as an asset of this production and record the grant that covers it.",
        )
    concerning = [
        g for g in snapshot.grants_by_asset.get(inp.asset_id, ()) if g.production_id == request.production_id
    ]
    ref = RecordRef("asset", inp.asset_id)
    prefix = (
        f"Input {inp.position} ({inp.role}, asset "
        f"A-{inp.asset_id}{', ' + inp.match_note if inp.match_note else ''})"
    )
    if not concerning:
        return Reason(
            rule,
            REFUSED,
            subject,
            f"{prefix} has no rights grant for this production.",
            f"Record a grant from the rights holder that permits {use} for this production.",
            (ref,),
        )
    active = [g for g in concerning if g.status == "active"]
    if not active:
        g = concerning[0]
        return Reason(
            rule,
            REFUSED,
            subject,
            f"{prefix}: its grant {g.id} has been revoked.",
            "Obtain and record a new grant from the rights holder.",
            (ref, g.ref),
        )
    with_use = [g for g in active if use in g.uses]
    if not with_use:
        return Reason(
            rule,
            REFUSED,
            subject,
            f"{prefix}: no grant permits {use} (grant{'s' if len(active) > 1 else ''} "
            f"{', '.join(str(g.id) for g in active)} permit{'' if len(active) > 1 else 's'} only "
            f"{', '.join(sorted(set().union(*(g.uses for g in active))))}).",
            f"Obtain a grant or an amendment that permits {use}.",
            (ref, *(g.ref for g in active)),
        )
    window = request.window
    in_term = [
        g
        for g in with_use
        if g.term.start <= window.start and (g.term.end is None or g.term.end >= window.end)
    ]
    if not in_term:
        g = max(with_use, key=lambda g: g.term.end or datetime.date.max)
        return Reason(
            rule,
            REFUSED,
            subject,
            f"{prefix}: grant {g.id} {g.term.gap(request.window)}.",
            "Extend the grant's term by amendment, or move the release window inside it.",
            (ref, g.ref),
        )
    gaps, relied = _coverage(request, in_term, use)
    if gaps:
        return Reason(
            rule,
            REFUSED,
            subject,
            f"{prefix}: {'; '.join(gaps)}.",
            "Narrow the release media, territories or languages, or record grants that cover them.",
            (ref, *(g.ref for g in in_term)),
        )
    return Reason(
        rule,
        PASS,
        subject,
        f"{prefix} is covered for {use} by grant {', '.join(str(g.id) for g in relied)} for {request.scope}.",
        records=(ref, *(g.ref for g in relied)),
    )


def _review_of_grants(inp: InputFact, passed: Reason, snapshot: Snapshot) -> Reason | None:
    """R4: a grant relied on that is flagged for review needs a sign-off."""
    by_id = snapshot.grants_by_id
    review = [by_id[r.id] for r in passed.records if r.type == "grant" and by_id[r.id].requires_review]
    if not review:
        return None
    g = review[0]
    return Reason(
        "R4",
        NEEDS_CLEARANCE,
        passed.subject,
        f"Input {inp.position} relies on grant {g.id}, which is flagged for review"
        f"{': ' + g.restrictions if g.restrictions else ''}.",
        "A clearance user who is not the requester must sign off.",
        tuple(g.ref for g in review),
    )


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
            f"the performer had no representation and consent {c.id} lacks a reasonably "
            "specific description of the intended use (CA Labor Code §927, NY GOL §5-302)",
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
                    f"({', '.join(sorted(modalities))}) in {request.territories.describe()} "
                    f"from {request.window.start} to {request.window.end}.",
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


def _training(request: RequestFact, snapshot: Snapshot) -> list[Reason]:
    reasons = []
    active = [
        r for r in snapshot.reservations if r.uses & TRAINING_USES and r.effective_date <= snapshot.today
    ]
    by_subject = {}
    for r in active:
        by_subject.setdefault((r.subject_type, r.subject_id), []).append(r)
    for inp in request.inputs:
        if inp.asset_id is None:
            continue
        reserved = (
            by_subject.get(("asset", inp.asset_id), [])
            + by_subject.get(("party", inp.owner_party_id), [])
            + by_subject.get(("production", request.production_id), [])
            + by_subject.get(("talent", inp.talent_id), [])
        )
        subject = f"input {inp.position}"
        if reserved:
            r = reserved[0]
            reasons.append(
                Reason(
                    "R3",
                    REFUSED,
                    subject,
                    f"{request.engine.name} trains on its inputs, and input "
                    f"{inp.position} (asset A-{inp.asset_id}) is reserved from "
                    f"AI training by reservation {r.id} on its {r.subject_type}.",
                    "Use an engine that does not train on its inputs.",
                    tuple(RecordRef("reservation", x.id, x.seq) for x in reserved),
                )
            )
            continue
        reasons.append(_rights_for_input(request, snapshot, inp, "genai_training", "R3"))
    for talent_id in sorted(_talent_modalities(request)):
        talent = snapshot.talents.get(talent_id) or TalentFact(talent_id, f"talent {talent_id}")
        reserved = by_subject.get(("talent", talent_id), [])
        allowing = [
            c
            for c in snapshot.consents
            if c.talent_id == talent_id
            and c.production_id == request.production_id
            and c.status == "active"
            and c.training_permission != "none"
        ]
        if reserved:
            reasons.append(
                Reason(
                    "R3",
                    REFUSED,
                    f"talent {talent_id}",
                    f"{talent.name} has reserved their likeness from "
                    f"AI training (reservation {reserved[0].id}).",
                    "Use an engine that does not train on its inputs.",
                    tuple(RecordRef("reservation", x.id, x.seq) for x in reserved),
                )
            )
        elif not allowing:
            reasons.append(
                Reason(
                    "R3",
                    REFUSED,
                    f"talent {talent_id}",
                    f"{talent.name}'s consent does not permit training.",
                    "Use an engine that does not train on its inputs, or obtain consent to training.",
                )
            )
    return reasons


def _talent_modalities(request: RequestFact) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for inp in request.inputs:
        if inp.role == "likeness" and inp.talent_id is not None:
            out.setdefault(inp.talent_id, set()).add(inp.modality)
    return out


def evaluate(request: RequestFact, snapshot: Snapshot) -> Outcome:
    """Return the gate's outcome for the request against the snapshot."""
    reasons: list[Reason] = []
    for inp in request.inputs:
        rights = _rights_for_input(request, snapshot, inp, "genai_input", "R1")
        reasons.append(rights)
        if rights.outcome == PASS and (review := _review_of_grants(inp, rights, snapshot)):
            reasons.append(review)
        if inp.role == "likeness" and inp.asset_id is not None and inp.talent_id is None:
            reasons.append(
                Reason(
                    "R2",
                    REFUSED,
                    f"input {inp.position}",
                    f"Input {inp.position} is a likeness input but its asset names no performer.",
                    "Register likeness references with the performer they show.",
                )
            )
    likeness = _talent_modalities(request)
    for talent_id, modalities in sorted(likeness.items()):
        reasons.extend(_consent_for_talent(request, snapshot, talent_id, modalities, "R2", "likeness input"))
    for talent_id in sorted(request.prompt_talent_ids - set(likeness)):
        reasons.extend(
            _consent_for_talent(request, snapshot, talent_id, {"face"}, "R5", "named in the prompt")
        )
    if request.engine.trains_on_inputs:
        reasons.extend(_training(request, snapshot))
    if any(r.outcome == REFUSED for r in reasons):
        outcome = REFUSED
    elif any(r.outcome == NEEDS_CLEARANCE for r in reasons):
        outcome = NEEDS_CLEARANCE
    else:
        outcome = APPROVED
    return Outcome(outcome, tuple(reasons), snapshot.as_of_seq)


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
            "The items needing clearance were signed off by user "
            f"{sign_off.approver_id} (sign-off {sign_off.id}).",
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
            f"The output resembles the likeness reference of talent {t} "
            f"(cosine {c:.2f}), whom no consent of this request covers.",
            "A clearance user must review the output: approve it "
            "if the resemblance is a false alarm, or refuse it.",
            talent_id=t,
        )
        for t, c in sorted(uncovered.items())
    )
    return Outcome(NEEDS_CLEARANCE, reasons, as_of_seq)
