"""Writes of provenance: lineage edges."""

from rightsledger.models import Asset

from .models import LineageEdge


def lineage_record(*, parent: Asset, child: Asset, role: str, request=None) -> LineageEdge:
    """Record that parent went into child in a role; recording it again returns the same edge."""
    edge, _ = LineageEdge.objects.get_or_create(parent=parent, child=child, role=role, defaults={"request": request})
    return edge
