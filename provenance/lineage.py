"""Lineage as W3C PROV-JSON (the prov package) and as an SVG drawing (graphviz).

The generations between assets are read from the ledger (the run decision each edge names, and
the request's entry), so provenance needs nothing from the generation app."""

from dataclasses import dataclass

import graphviz
from prov.model import ProvDocument

from rightsledger import words
from rightsledger.models import Asset
from rightsledger.selectors import assets_for

from .models import LineageEdge
from .selectors import ancestors, descendants, generation_activities


@dataclass
class Lineage:
    asset: Asset
    assets: list[Asset]
    edges: list[LineageEdge]
    ancestors: dict[int, int]
    descendants: dict[int, int]


def lineage_for(user, asset_id: int) -> Lineage | None:
    """Return an asset's lineage as the user may see it (None if the asset is not visible): the
    assets and edges up- and downstream of it, never another production's."""
    asset = assets_for(user).filter(pk=asset_id).first()
    if asset is None:
        return None
    visible = set(assets_for(user).values_list("id", flat=True))
    assets, edges = graph_for({asset.pk})
    return Lineage(
        asset=asset,
        assets=[a for a in assets if a.pk in visible],
        edges=[e for e in edges if e.parent_id in visible and e.child_id in visible],
        ancestors={a: d for a, d in ancestors(asset.pk).items() if a in visible},
        descendants={a: d for a, d in descendants(asset.pk).items() if a in visible},
    )


def graph_for(asset_ids: set[int]) -> tuple[list[Asset], list[LineageEdge]]:
    """Return the assets and edges connecting asset_ids and everything up- and downstream of them."""
    ids = set(asset_ids) | set(ancestors(*asset_ids)) | set(descendants(*asset_ids))
    assets = list(Asset.objects.filter(pk__in=ids).order_by("id"))
    edges = list(LineageEdge.objects.filter(parent_id__in=ids, child_id__in=ids).order_by("id"))
    return assets, edges


def prov_document(assets, edges) -> ProvDocument:
    """Return the lineage as a W3C PROV document: assets as entities, each generation as an
    activity with its engine, requester and approver, and the grants and consents it used."""
    doc = ProvDocument()
    doc.add_namespace("rl", "https://rightsledger.example/ns#")
    for a in assets:
        doc.entity(
            f"rl:asset-{a.pk}",
            {
                "rl:sha256": a.sha256,
                "rl:kind": a.kind,
                "prov:type": "rl:GeneratedOutput" if a.origin == "generated" else "rl:Asset",
            },
        )
    runs = {
        g["decision_seq"]: g for g in generation_activities({e.decision_seq for e in edges if e.decision_seq})
    }
    for g in runs.values():
        run = doc.activity(
            f"rl:generation-{g['request']}",
            other_attributes={
                "rl:engine": g["engine"],
                "rl:shot": g["shot"] or 0,
                "rl:decisionSeq": g["decision_seq"],
            },
        )
        engine = doc.agent(f"rl:engine-{g['engine'].replace(' ', '-')}", {"prov:type": "prov:SoftwareAgent"})
        doc.wasAssociatedWith(run, engine)
        if g["requester"]:
            doc.wasAssociatedWith(
                run,
                doc.agent(f"rl:{g['requester'].replace(':', '-')}", {"prov:type": "prov:Person"}),
                other_attributes={"prov:role": "rl:requester"},
            )
        if g["approver"]:
            doc.wasAssociatedWith(
                run,
                doc.agent(f"rl:{g['approver'].replace(':', '-')}", {"prov:type": "prov:Person"}),
                other_attributes={"prov:role": "rl:approver"},
            )
        for kind, record_id, seq in g["records"]:
            doc.entity(f"rl:{kind}-{record_id}", {"rl:ledgerSeq": seq})
            doc.used(run, f"rl:{kind}-{record_id}", other_attributes={"prov:role": f"rl:{kind}"})
    generated = set()
    for e in edges:
        g = runs.get(e.decision_seq)
        if g is not None:
            doc.used(
                f"rl:generation-{g['request']}",
                f"rl:asset-{e.parent_id}",
                other_attributes={"prov:role": f"rl:{e.role}"},
            )
            if e.child_id not in generated:
                doc.wasGeneratedBy(f"rl:asset-{e.child_id}", f"rl:generation-{g['request']}")
                generated.add(e.child_id)
        doc.wasDerivedFrom(f"rl:asset-{e.child_id}", f"rl:asset-{e.parent_id}")
    return doc


TITLE_CHARS = 60  # of an asset's title in its box; the rest is on its page


def _label(*lines: str) -> str:
    """Return a DOT label of these lines of text, each as it reads: a backslash, a quote, <...> or
    a brace in a title is text, never DOT syntax (graphviz's own escaping, then a line break
    between lines), and a run of line breaks, other control characters or spaces is one space."""
    plain = (" ".join("".join(" " if not ch.isprintable() else ch for ch in line).split()) for line in lines)
    return graphviz.nohtml("\\n".join(graphviz.escape(line) for line in plain))


def svg(assets, edges) -> str:
    """Return the lineage drawn as SVG, generated outputs apart from ingested assets."""
    dot = graphviz.Digraph(
        "lineage",
        graph_attr={"rankdir": "LR", "fontname": "Helvetica"},
        node_attr={"fontname": "Helvetica", "fontsize": "14"},
        edge_attr={"fontname": "Helvetica", "fontsize": "12"},
    )
    for a in assets:
        generated = a.origin == "generated"
        kind = words.label(a.kind, "asset_kinds")  # "crowd element", as the portal says it
        label = _label(f"A-{a.pk}", kind, (a.title or a.original_filename)[:TITLE_CHARS])
        fill = "#fde2c8" if generated else "#d8e8f8"
        dot.node(f"a{a.pk}", label, shape="box", style="filled", fillcolor=fill)
    for e in edges:
        label = _label(e.role + (f" (decision #{e.decision_seq})" if e.decision_seq else ""))
        dot.edge(f"a{e.parent_id}", f"a{e.child_id}", label=label)
    return dot.pipe(format="svg").decode()
