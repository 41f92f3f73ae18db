"""Reads for an audit: the decisions that relied on a grant or consent and what a revocation of it
reaches, a shot's whole audit, what a decision relied on that has been revoked since, and the
guilds' open flags on the consents relied on."""

from django.db import connection
from django.db.models import Prefetch, Q

from rightsledger.models import Checkpoint, ConsentRecord, LedgerLeaf, RightsGrant
from rightsledger.selectors import open_flags_on, with_no_record, with_number

from .. import policy as p
from ..models import Decision, GenerationOutput, GenerationRequest, RequestInput, SignOff
from .requests import requests_for


def decisions_relying_on(record_type: str, records):
    """Return the decisions that named any of these grants or consents (a queryset of one kind)
    among the records they relied on: one query on PostgreSQL (JSON containment)."""
    ids = list(records.values_list("id", flat=True))
    if connection.vendor == "postgresql":
        q = Q(pk__in=[])
        for record_id in ids:
            q |= Q(reasons__contains=[{"records": [{"type": record_type, "id": record_id}]}])
        return Decision.objects.filter(q)
    # SQLite has no JSON containment: read the decisions of the productions concerned.
    wanted = set(ids)
    return Decision.objects.filter(
        pk__in=[
            d.pk
            for d in Decision.objects.filter(request__production_id__in=records.values("production_id"))
            if any(
                r["type"] == record_type and r["id"] in wanted
                for reason in d.reasons
                for r in reason["records"]
            )
        ]
    )


def revocation_impact(record_type: str, chain, *, user) -> dict:
    """Return what relied on any version of a grant or consent (by its chain): the decisions
    that named it, and their requests, shots and outputs, with the requests still waiting to
    run. A revocation stops those at run time (the run re-checks against the ledger).

    The requests, shots and outputs are those of productions the user may read (user None: the
    service's own read, for the tracker's posts); relied_on says whether any decision relied on
    it at all. A guild's representative, who reads its member's consent but not the production,
    learns only that: relied_on, with no production record."""
    model = {"grant": RightsGrant, "consent": ConsentRecord}[record_type]
    ids = list(model.objects.filter(chain=chain).values_list("id", flat=True))
    decisions = decisions_relying_on(record_type, model.objects.filter(chain=chain))
    request_ids = set(decisions.values_list("request_id", flat=True))
    readable = GenerationRequest.objects.all() if user is None else requests_for(user)
    requests = list(readable.filter(pk__in=request_ids).select_related("shot").order_by("id"))
    outputs = list(
        GenerationOutput.objects.filter(request_id__in=[r.pk for r in requests])
        .select_related("asset", "request__shot")
        .order_by("id")
    )
    return {
        "record_type": record_type,
        "versions": ids,
        "relied_on": bool(request_ids),
        "shots": sorted({r.shot for r in requests}, key=lambda s: s.code),
        "requests": requests,
        "pending": [r for r in requests if r.status in ("approved", "needs_clearance", "queued", "running")],
        "outputs": outputs,
    }


def shot_audit(shot) -> dict:
    """Return everything an audit of a shot shows: each generation with its inputs, decisions
    (with the grants and consents relied on), sign-offs and output, and which of their ledger
    entries the latest checkpoint covers. A fixed number of queries, whatever the generations."""
    requests = list(
        GenerationRequest.objects.filter(shot=shot)
        .select_related("requester")
        .prefetch_related(
            Prefetch("inputs", queryset=RequestInput.objects.select_related("asset")),
            Prefetch("decisions", queryset=Decision.objects.order_by("id")),
            Prefetch("sign_offs", queryset=SignOff.objects.select_related("approver").order_by("id")),
        )
        .order_by("id")
    )
    outputs = {
        o.request_id: o for o in GenerationOutput.objects.filter(request__in=requests).select_related("asset")
    }
    seqs = {d.ledger_seq for r in requests for d in r.decisions.all()} | {
        s.ledger_seq for r in requests for s in r.sign_offs.all()
    }
    seqs |= {o.ledger_seq for o in outputs.values()}
    latest = Checkpoint.objects.order_by("-size").first()
    leaves = dict(LedgerLeaf.objects.filter(entry_id__in=seqs - {None}).values_list("entry_id", "index"))
    covered = {seq for seq, index in leaves.items() if latest is not None and index < latest.size}
    flags, chain_of = _open_flags_of(requests)
    generations = []
    for r in requests:
        decisions = list(r.decisions.all())
        records = sorted(
            {
                (x["type"], x["id"], x.get("seq"))
                for d in decisions
                for reason in d.reasons
                for x in reason["records"]
                if x["type"] in ("grant", "consent", "reservation")
            }
        )
        generations.append(
            {
                "request": r,
                "inputs": list(r.inputs.all()),
                "decisions": decisions,
                "sign_offs": list(r.sign_offs.all()),
                "output": outputs.get(r.pk),
                "records": records,
                "flags": [
                    fl
                    for fl in flags
                    if fl.consent.chain in {chain_of.get(i) for t, i, _ in records if t == "consent"}
                ],
            }
        )
    return {"generations": generations, "covered": covered, "leaves": leaves, "checkpoint": latest}


def _open_flags_of(requests) -> tuple[list, dict]:
    """Return the unresolved flags on any consent the requests' decisions relied on, and each
    relied consent's chain (to tell which request a flag concerns). Two queries, however many."""
    ids = relied_consents(*(d.reasons for r in requests for d in r.decisions.all()))
    chains = ConsentRecord.objects.filter(pk__in=with_no_record(ids)).values_list("pk", "chain")
    return open_flags_on(ids), dict(chains)


def revoked_since(decision) -> list[dict]:
    """Return the grants and consents a decision relied on that have been revoked since (their
    chain's current version is a revocation), each with when and why: what to flag on the
    request and its output. Two queries."""
    relied = {
        (x["type"], x["id"])
        for reason in decision.reasons
        for x in reason["records"]
        if x["type"] in ("grant", "consent")
    }
    out = []
    for kind, model in (("grant", RightsGrant), ("consent", ConsentRecord)):
        ids = [i for t, i in relied if t == kind]
        if not ids:
            continue
        chains = model.objects.filter(pk__in=ids).values("chain")
        revoked = model.objects.filter(chain__in=chains, replaced_by__isnull=True, action="revoked")
        for current in with_number(revoked):
            out.append(
                {
                    "type": kind,
                    "id": current.pk,
                    "number": current.number,
                    "when": current.created_at,
                    "reason": current.reason,
                    "partial": current.status != "revoked",
                }
            )
    return sorted(out, key=lambda r: (r["type"], r["id"]))


def _consents_in(reasons, *, talent_id: int | None = None):
    """Yield the ids of the consents the reasons relied on, in their order; with talent_id, only
    those of the reasons about that performer that did not refuse."""
    for reason in reasons:
        # A performer is the subject "talent <id>", as the gate names it (generation.policy.consent).
        if talent_id is not None and (
            reason["subject"] != f"talent {talent_id}" or reason["outcome"] == p.REFUSED
        ):
            continue
        for x in reason["records"]:
            if x["type"] == "consent":
                yield x["id"]


def relied_consents(*reason_lists) -> set[int]:
    """Return the ids of the consents that decisions' reasons (or a check's) relied on."""
    return {consent_id for reasons in reason_lists for consent_id in _consents_in(reasons)}


def consent_relied_on(reasons, consents: dict, *, talent_id: int | None = None):
    """Return the first of these consents (a dict by id) that a decision's reasons relied on, or
    None; with talent_id, the one relied on for that performer by a reason that did not refuse."""
    return next((consents[i] for i in _consents_in(reasons, talent_id=talent_id) if i in consents), None)


def open_flags_relied_on(*reason_lists) -> list:
    """Return the guilds' unresolved flags on any consent the reasons relied on, in one query:
    what the sign-off, the preview, the request's decision and the shot's audit warn of."""
    return open_flags_on(relied_consents(*reason_lists))
