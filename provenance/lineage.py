"""Lineage as W3C PROV-JSON (the prov package) and as an SVG drawing (graphviz)."""

import graphviz
from prov.model import ProvDocument

from generation.models import GenerationOutput
from rightsledger.models import Asset

from .models import LineageEdge
from .selectors import ancestors, descendants


def graph_for(asset_ids: set[int]) -> tuple[list[Asset], list[LineageEdge]]:
    """The assets and edges connecting asset_ids and everything up- and downstream of them."""
    ids = set(asset_ids) | set(ancestors(*asset_ids)) | set(descendants(*asset_ids))
    assets = list(Asset.objects.filter(pk__in=ids).order_by("id"))
    edges = list(LineageEdge.objects.filter(parent_id__in=ids, child_id__in=ids).select_related("request__requester").order_by("id"))
    return assets, edges


def prov_document(assets, edges) -> ProvDocument:
    doc = ProvDocument()
    doc.add_namespace("rl", "https://rightsledger.example/ns#")
    for a in assets:
        doc.entity(f"rl:asset-{a.pk}", {"rl:sha256": a.sha256, "rl:kind": a.kind, "prov:type": "rl:GeneratedOutput" if a.origin == "generated" else "rl:Asset"})
    outputs = {o.request_id: o for o in GenerationOutput.objects.filter(request_id__in={e.request_id for e in edges if e.request_id}).select_related("request", "run_decision")}
    for request_id, out in outputs.items():
        req = out.request
        run = doc.activity(f"rl:generation-{request_id}", other_attributes={"rl:engine": f"{req.engine} {req.engine_version}", "rl:shot": req.shot_id})
        engine = doc.agent(f"rl:engine-{req.engine}-{req.engine_version}", {"prov:type": "prov:SoftwareAgent"})
        requester = doc.agent(f"rl:user-{req.requester_id}", {"prov:type": "prov:Person"})
        doc.wasAssociatedWith(run, engine)
        doc.wasAssociatedWith(run, requester, other_attributes={"prov:role": "rl:requester"})
        for s in req.sign_offs.all():
            doc.wasAssociatedWith(run, doc.agent(f"rl:user-{s.approver_id}", {"prov:type": "prov:Person"}), other_attributes={"prov:role": "rl:approver"})
        doc.wasGeneratedBy(f"rl:asset-{out.asset_id}", run)
        for reason in out.run_decision.reasons:
            for ref in reason.get("records", []):
                if ref["type"] in ("grant", "consent"):
                    doc.entity(f"rl:{ref['type']}-{ref['id']}", {"rl:ledgerSeq": ref.get("seq") or 0})
                    doc.used(run, f"rl:{ref['type']}-{ref['id']}", other_attributes={"prov:role": f"rl:{ref['type']}"})
    for e in edges:
        if e.request_id and e.request_id in outputs:
            doc.used(f"rl:generation-{e.request_id}", f"rl:asset-{e.parent_id}", other_attributes={"prov:role": f"rl:{e.role}"})
        doc.wasDerivedFrom(f"rl:asset-{e.child_id}", f"rl:asset-{e.parent_id}")
    return doc


def svg(assets, edges) -> str:
    dot = graphviz.Digraph("lineage", graph_attr={"rankdir": "LR", "fontname": "Helvetica"}, node_attr={"fontname": "Helvetica", "fontsize": "10"})
    for a in assets:
        generated = a.origin == "generated"
        dot.node(f"a{a.pk}", f"A-{a.pk}\\n{a.kind}\\n{a.title or a.original_filename}"[:80], shape="box", style="filled",
                 fillcolor="#fde2c8" if generated else "#d8e8f8")
    for e in edges:
        dot.edge(f"a{e.parent_id}", f"a{e.child_id}", label=e.role + (f" (request {e.request_id})" if e.request_id else ""))
    return dot.pipe(format="svg").decode()
