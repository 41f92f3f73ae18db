"""The values of a generation request as they travel through the gate: frozen dataclasses, and the
one function that turns them into the policy's facts.

Every view of a request's values (the model's columns, the submission's digest, the ledger entry,
the policy's facts) is derived here from these fields, so a field is added in one place.
"""

import dataclasses
import datetime
from typing import Any

from . import policy as p
from .engines import get_engine
from .engines.base import SYNTHETIC_PERFORMER_PARAM


@dataclasses.dataclass(frozen=True)
class ResolvedInput:
    """An input identified: a registered asset, an upload matched to one (by SHA-256 or by
    fingerprint), or an upload that matched nothing."""

    position: int  # 1-based, as a producer counts
    role: str
    asset: Any  # rightsledger.models.Asset, or None for an upload that matched nothing
    sha256: str
    match: str  # registered | sha256 | fingerprint | unregistered
    modality: str = "face"
    match_score: float | None = None  # the cosine of a fingerprint match
    frames: tuple[int, int] | None = None  # a registered clip's frame range, first and last included
    # An unmatched upload's bytes, stored once the request is recorded.
    content: bytes | None = dataclasses.field(default=None, repr=False, compare=False)

    @classmethod
    def of_row(cls, row) -> "ResolvedInput":
        """Return the resolved input a stored RequestInput records."""
        return cls(
            position=row.position,
            role=row.role,
            asset=row.asset,
            sha256=row.sha256,
            match=row.match,
            modality=row.modality,
            match_score=row.match_score,
            frames=row.frames,
        )

    def columns(self) -> dict:
        """Return RequestInput's columns for this input."""
        first, last = self.frames or (None, None)
        return {
            "position": self.position,
            "role": self.role,
            "asset": self.asset,
            "sha256": self.sha256,
            "match": self.match,
            "match_score": self.match_score,
            "modality": self.modality,
            "frame_start": first,
            "frame_end": last,
        }

    def ledger(self) -> dict:
        """Return what the request's ledger entry says of this input."""
        return {
            "position": self.position,
            "role": self.role,
            "asset": self.asset.pk if self.asset else None,
            "sha256": self.sha256,
            "match": self.match,
            **({"frames": list(self.frames)} if self.frames else {}),
        }

    def digest(self) -> list:
        """Return what the submission's digest takes of this input."""
        return [self.position, self.role, self.sha256, self.modality, list(self.frames or ())]

    def fact(self) -> p.InputFact:
        """Return the policy's view of this input."""
        asset = self.asset
        note = {"sha256": "identified by its SHA-256"}.get(self.match, "")
        if self.match == "fingerprint":
            note = f"a re-encoded copy of asset A-{asset.pk} (cosine {self.match_score or 0:.2f})"
        return p.InputFact(
            position=self.position,
            role=self.role,
            asset_id=asset.pk if asset else None,
            match=self.match,
            match_note=note,
            owner_party_id=asset.owner_id if asset else None,
            talent_id=asset.talent_id if asset else None,
            modality=self.modality or "face",
        )


@dataclasses.dataclass(frozen=True)
class RequestValues:
    """A request's values once checked: GenerationRequest's columns, with the production and shot."""

    production: Any  # rightsledger.models.Production
    shot: Any  # rightsledger.models.Shot, of the production
    engine: str
    engine_version: str
    prompt: str
    parameters: dict
    seed: int
    intended_use: str
    media: list[str]
    territories: list[str]
    territory_exclusions: list[str]
    languages: list[str]
    release_start: datetime.date
    release_end: datetime.date
    synthetic_justification: str = ""
    advertising_disclosure_acknowledged: bool = False

    @classmethod
    def of_request(cls, request) -> "RequestValues":
        """Return the values a stored request records (its production and shot, as loaded)."""
        return cls(**{f.name: getattr(request, f.name) for f in dataclasses.fields(cls)})

    def columns(self) -> dict:
        """Return GenerationRequest's columns for these values (model instances as they are)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def digest(self) -> dict:
        """Return what the submission's digest takes of these values: ids for records, ISO dates."""
        return {
            k: (v.pk if hasattr(v, "pk") else v.isoformat() if isinstance(v, datetime.date) else v)
            for k, v in self.columns().items()
        }


@dataclasses.dataclass(frozen=True)
class CheckedRequest:
    """A request whose values passed every check, with its inputs resolved."""

    values: RequestValues
    inputs: tuple[ResolvedInput, ...]


def gate_facts(values: RequestValues, inputs) -> p.RequestFact:
    """Return the policy's view of a request (no query). The talent the prompt names are left
    empty: the gate adds them from its snapshot (services.gate.gate_outcome)."""
    eng = get_engine(values.engine)
    return p.RequestFact(
        production_id=values.shot.production_id,  # the shot is the production's (checked)
        shot_code=values.shot.code,
        engine=p.EngineFact(values.engine, eng.version if eng else "", bool(eng and eng.trains_on_inputs)),
        intended_use=values.intended_use,
        media=frozenset(values.media),
        territories=p.Territories.of(values.territories, values.territory_exclusions),
        languages=frozenset(values.languages),
        window=p.Window(values.release_start, values.release_end),
        inputs=tuple(i.fact() for i in inputs),
        performer_rules=frozenset(values.production.performer_rules or ()),
        synthetic_performer=values.intended_use == "synthetic_performer"
        or values.parameters.get(SYNTHETIC_PERFORMER_PARAM) == 1,
        synthetic_justification=values.synthetic_justification,
        advertising_disclosure_acknowledged=values.advertising_disclosure_acknowledged,
    )


def check_answer(outcome: p.Outcome) -> dict:
    """Return the answer to a check of a request: its outcome, the ledger size, the reasons."""
    return {"outcome": outcome.outcome, "as_of_seq": outcome.as_of_seq, "reasons": outcome.to_json()}
