"""A shot's audit: every generation, decision and proof, and the lineage of its outputs."""

from django.conf import settings
from django.urls import reverse

from generation import selectors as gen_selectors
from generation.models import GenerationOutput
from provenance import lineage
from rightsledger import selectors as rl_selectors
from rightsledger.ledger import checkpoints

from ..relied import relied_records
from .decisions import word_decisions


def shot_audit_page(shot) -> dict:
    """Return a shot's audit (every generation, decision and proof) and the latest checkpoint."""
    audit = gen_selectors.shot_audit(shot)
    refs = word_decisions([d for g in audit["generations"] for d in g["decisions"]])
    people = rl_selectors.people_named(
        [g["request"].requester for g in audit["generations"]]
        + [s.approver for g in audit["generations"] for s in g["sign_offs"]]
    )
    for g in audit["generations"]:
        g["refs"] = [refs.get(f"{kind}:{pk}") for kind, pk, _ in g["records"]]
    relied = relied_records({r for g in audit["generations"] for r in g["records"]})
    for g in audit["generations"]:
        g["relied"] = [relied[(k, i)] for k, i, _ in g["records"] if (k, i) in relied]
    return {
        "shot": shot,
        "audit": audit,
        "people": people,
        "checkpoint": checkpoints.latest_checkpoint(),
        "has_output": any(g["output"] for g in audit["generations"]),
        "continuity": continuity_page(GenerationOutput.objects.filter(request__shot=shot)),
    }


def continuity_page(outputs, *, with_shot: bool = False):
    """Return the continuity report of these outputs, with the pictures the portal may show."""
    return gen_selectors.continuity_report(
        outputs,
        match_limit=settings.FACE_MATCH_DISTANCE,
        thumbnail=lambda asset_id: reverse("portal:asset_thumbnail", args=[asset_id]),
        with_shot=with_shot,
    )


def production_continuity_page(production) -> dict:
    """Return character continuity across a production's outputs."""
    outputs = GenerationOutput.objects.filter(request__production=production)
    return {"production": production, "continuity": continuity_page(outputs, with_shot=True)}


def shot_lineage(user, audit) -> tuple[list, list]:
    """Return the assets and edges of the lineage of a shot's outputs, as the user may see it."""
    found = [lineage.lineage_for(user, g["output"].asset_id) for g in audit["generations"] if g["output"]]
    assets = {a.pk: a for f in found if f for a in f.assets}
    edges = {e.pk: e for f in found if f for e in f.edges}
    return sorted(assets.values(), key=lambda a: a.pk), sorted(edges.values(), key=lambda e: e.pk)


def shot_prov_document(user, audit):
    """Return the lineage of a shot's outputs, as the user may see it, as one W3C PROV document."""
    return lineage.prov_document(*shot_lineage(user, audit))


# --- Guild representatives -----------------------------------------------------------------------
