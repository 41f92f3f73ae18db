"""Provenance records: the lineage graph between assets."""

from django.db import models

from rightsledger.models import Asset

EDGE_ROLES = ("plate", "reference", "element", "likeness", "style", "ingredient")


class LineageEdge(models.Model):
    """An asset (parent) that went into another (child), in a role. Never edited."""

    parent = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="child_edges")
    child = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="parent_edges")
    role = models.CharField(max_length=16, choices=[(r, r) for r in EDGE_ROLES])
    request = models.ForeignKey("generation.GenerationRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="lineage_edges")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["parent", "child", "role"], name="lineage_edge_unique")]
        indexes = [models.Index(fields=["child"]), models.Index(fields=["parent"])]
