"""The facts the gate decides on: a request, and a snapshot of the records that concern it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cached_property

from rightsledger import vocab
from rightsledger.vocab import WORLD

from .outcome import RecordRef

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
    # The 2026 performer rules read these: the business reason for a scan (R7), and whether the
    # compensation and residual terms are on record (R10; their contents stay out of reasons).
    capture_business_reason: str = ""
    compensation_reference: str = ""
    residual_terms_reference: str = ""


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
    guild_ids: frozenset[int] = frozenset()  # the unions the performer belongs to (R12)


@dataclass(frozen=True)
class LabourActionFact:
    """A labour action (a strike) of a union against a production, in force from started_on until
    ended_on (None: still in force)."""

    id: int
    guild_id: int
    guild_name: str
    started_on: datetime.date
    ended_on: datetime.date | None = None

    def in_force(self, today: datetime.date) -> bool:
        return self.started_on <= today and (self.ended_on is None or self.ended_on > today)


@dataclass(frozen=True)
class InputFaceFact:
    """A face an input shows (found when it was registered), matched at gate time with the
    studio's performers: the performer (None: no registered performer), the frame (a still's is 0,
    with no time; a clip's keyframe, at seconds) and the distance to the nearest reference."""

    frame_index: int
    seconds: float | None
    distance: float | None
    talent_id: int | None = None

    @property
    def where(self) -> str:
        return "" if self.seconds is None else f" {self.seconds:g} seconds in"


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
    faces: tuple[InputFaceFact, ...] = ()  # the faces a plate or an element shows (R2)


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
    # The 2026 performer rules the production has switched on (vocab.PERFORMER_RULES), and what
    # the request says for them: a synthetic performer asked for (by its intended use or an
    # engine parameter) and its justification, and the advertising disclosure acknowledged.
    performer_rules: frozenset[str] = frozenset()
    synthetic_performer: bool = False
    synthetic_justification: str = ""
    advertising_disclosure_acknowledged: bool = False

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
        media = ", ".join(self.sorted_media)
        return f"{media} in {self.territories.describe()} from {self.window.start} to {self.window.end}"


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
    labour_actions: tuple[LabourActionFact, ...] = ()  # of the production, read when R12 is on

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
