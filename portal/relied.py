"""The grants, consents and reservations decisions relied on, as the audit page, its PDF and its CSV
name them: each as rightsledger.selectors.record_refs names it (the number it keeps for life, and
what became of it since: revoked or amended, when, and why), with what it is ("from Blue Harbour
VFX", "of Mara Vega") and the ledger entry the decision relied on."""

from __future__ import annotations

from dataclasses import dataclass

from rightsledger import selectors as rl_selectors
from rightsledger import words as rl_words
from rightsledger.models import ConsentRecord, RightsGrant, TrainingReservation
from rightsledger.selectors import with_no_record


@dataclass(frozen=True)
class ReliedRecord:
    """A grant, consent or reservation version a decision relied on."""

    ref: rl_selectors.RecordRef
    seq: int | None  # the ledger entry of the version relied on
    title: str  # "from Blue Harbour VFX", "of Mara Vega"

    @property
    def kind(self) -> str:
        return self.ref.kind

    @property
    def id(self) -> int:
        return self.ref.id

    @property
    def name(self) -> str:
        return self.ref.name

    @property
    def label(self) -> str:
        return f"{self.ref.name}, version {self.ref.version}" + (f", {self.title}" if self.title else "")

    @property
    def change(self) -> str:
        """Return "revoked on 3 December 2026 (“Contract ended.”)" (or amended), or "" for a record
        that is still as it was relied on."""
        state = self.ref.state
        return f"{state} (“{self.ref.reason}”)" if state and self.ref.revoked and self.ref.reason else state


def _titles(ids: dict[str, set[int]]) -> dict[tuple[str, int], str]:
    """What each record is, in a few words: one query a kind, named or not, so that a page costs the
    same queries whichever kinds its decisions relied on."""
    out = {}
    for g in RightsGrant.objects.filter(pk__in=with_no_record(ids.get("grant", ()))).select_related(
        "grantor"
    ):
        out[("grant", g.pk)] = f"from {g.grantor.name}"
    for c in ConsentRecord.objects.filter(pk__in=with_no_record(ids.get("consent", ()))).select_related(
        "talent"
    ):
        out[("consent", c.pk)] = f"of {c.talent}"
    reservations = TrainingReservation.objects.filter(pk__in=with_no_record(ids.get("reservation", ())))
    for r in reservations.only("subject_type"):
        out[("reservation", r.pk)] = f"of {rl_words.label(r.subject_type)} uses"
    return out


def relied_records(refs) -> dict[tuple[str, int], ReliedRecord]:
    """Return the records named by refs ((kind, id, ledger seq) triples), keyed by (kind, id)."""
    refs = list(refs)
    if not refs:
        return {}
    named = rl_selectors.record_refs([(kind, pk) for kind, pk, _ in refs])
    ids: dict[str, set[int]] = {}
    for kind, pk, _ in refs:
        ids.setdefault(kind, set()).add(pk)
    titles = _titles(ids)
    return {
        (kind, pk): ReliedRecord(ref=named[f"{kind}:{pk}"], seq=seq, title=titles.get((kind, pk), ""))
        for kind, pk, seq in refs
        if f"{kind}:{pk}" in named
    }
