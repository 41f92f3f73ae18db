"""Lineage edges: what went into an asset, recorded with their ledger entries."""

from rightsledger.ledger.append import Recorder
from rightsledger.ledger.entry_types import EntryType
from rightsledger.models import Asset

from ..models import LineageEdge


def lineage_record_many(
    rec: Recorder, *, child: Asset, parents: list[tuple[Asset, str]], decision_seq: int | None = None
) -> list[LineageEdge]:
    """Record that each (parent, role) went into child, under the decision whose ledger entry is
    decision_seq (for a generation), in the caller's recording block; return the edges. An edge
    already recorded is returned as it is."""
    existing = {(e.parent_id, e.role): e for e in LineageEdge.objects.filter(child=child)}
    new = [
        LineageEdge(parent=parent, child=child, role=role, decision_seq=decision_seq)
        for parent, role in dict.fromkeys(parents)
        if (parent.pk, role) not in existing
    ]
    if new:
        new = LineageEdge.objects.bulk_create(new)
        rec.append_many(
            [
                (
                    EntryType.PROVENANCE_LINEAGE_RECORDED,
                    {
                        "edge": e.pk,
                        "parent": e.parent_id,
                        "child": e.child_id,
                        "role": e.role,
                        "decision_seq": decision_seq,
                    },
                    {"record": e, "production": child.production},
                )
                for e in new
            ]
        )
    return [*existing.values(), *new]
