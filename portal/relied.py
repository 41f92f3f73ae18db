"""The grants, consents and reservations decisions relied on, as the audit, its PDF and its CSV name
them: by the name a record keeps for life (its first version's number), with what it is, and
whether it has been revoked or amended since, and when."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from rightsledger.models import ConsentRecord, RightsGrant, TrainingReservation

RECORD_MODELS = {"grant": RightsGrant, "consent": ConsentRecord, "reservation": TrainingReservation}
RECORD_NAMES = {"grant": "Grant", "consent": "Consent", "reservation": "Reservation"}
# The one date format of the portal ("3 December 2026, 15:46 UTC").
DATE_FORMAT = "%-d %B %Y, %H:%M UTC"


def when(value: datetime.datetime | None) -> str:
    """Return a moment as the portal writes it: "3 December 2026, 15:46 UTC"."""
    return timezone.localtime(value, datetime.UTC).strftime(DATE_FORMAT) if value else ""


def _words(code: str) -> str:
    return (code or "").replace("_", " ")


@dataclass(frozen=True)
class ReliedRecord:
    """A grant, consent or reservation a decision relied on, by the name it keeps for life (its first
    version's number), with what it is and whether it has been revoked or amended since."""

    kind: str
    id: int  # of the version relied on
    seq: int | None
    name: str  # "Grant 4"
    version: int
    title: str  # "from Blue Harbour VFX", "of Mara Vega"
    state: str  # "current", "revoked" or "amended"
    changed_at: datetime.datetime | None
    current_id: int

    @property
    def label(self) -> str:
        return f"{self.name}, version {self.version}" + (f", {self.title}" if self.title else "")

    @property
    def change(self) -> str:
        """Return "revoked on 3 December 2026, 15:46 UTC" (or amended), or "" for a current record."""
        return f"{self.state} on {when(self.changed_at)}" if self.state != "current" else ""


def _title(kind: str, record) -> str:
    if kind == "grant":
        return f"from {record.grantor.name}"
    if kind == "consent":
        return f"of {record.talent}"
    return f"of {_words(record.subject_type)} uses"


def relied_records(refs) -> dict[tuple[str, int], ReliedRecord]:
    """Return the records named by refs ((kind, id, seq) triples), keyed by (kind, id), each with its
    chain's first version (its name) and current version (revoked or amended since?). Two queries
    a kind, for every kind once any record is named, so that a page costs the same whatever the
    number and the kinds of the records its decisions name."""
    if not refs:
        return {}
    out = {}
    for kind, model in RECORD_MODELS.items():
        seqs = {i: s for k, i, s in refs if k == kind}
        related = {"grant": ("grantor",), "consent": ("talent",), "reservation": ()}[kind]
        # A kind none of the decisions named is still asked for (an id no row has): see above.
        found = {r.pk: r for r in model.objects.filter(pk__in=sorted(seqs) or [0]).select_related(*related)}
        chains = model.objects.filter(pk__in=sorted(seqs) or [0]).values("chain")
        # Each chain's first version (its name) and its current one (what has become of it).
        superseded = Exists(model.objects.filter(replaces=OuterRef("pk")))
        ends = (
            model.objects.filter(chain__in=chains)
            .annotate(superseded=superseded)
            .filter(Q(version=1) | Q(superseded=False))
        )
        first, current = {}, {}
        for r in ends:
            if r.version == 1:
                first[r.chain] = r.pk
            if not r.superseded:
                current[r.chain] = r
        for pk, record in found.items():
            now = current.get(record.chain, record)
            state = "current"
            if now.pk != record.pk:
                state = "revoked" if now.action == "revoked" or now.status == "revoked" else "amended"
            out[(kind, pk)] = ReliedRecord(
                kind=kind,
                id=pk,
                seq=seqs[pk],
                name=f"{RECORD_NAMES[kind]} {first.get(record.chain, pk)}",
                version=record.version,
                title=_title(kind, record),
                state=state,
                changed_at=now.created_at if state != "current" else None,
                current_id=now.pk,
            )
    return out
