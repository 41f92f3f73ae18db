"""Reads for the gate: the snapshot of records a request needs, as of one ledger sequence number.

The number of queries does not depend on how many grants or consents exist: each read is by
the request's assets, talents, owners and production, through indexes.
"""

import datetime

from django.db import connection
from django.db.models import Max, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce, NullIf

from provenance import continuity
from provenance.models import FaceSighting
from rightsledger import access, words
from rightsledger.downloads import output_download_name
from rightsledger.ledger.entry_types import EntryType
from rightsledger.models import (
    Checkpoint,
    ConsentRecord,
    LabourAction,
    LedgerEntry,
    LedgerLeaf,
    RightsGrant,
    Talent,
    TalentName,
    TrainingReservation,
)
from rightsledger.names import ngrams
from rightsledger.selectors import open_flags_on, shots_for, with_no_record, with_number

from . import fastpaths
from . import policy as p
from .facts import fact_of_row, labour_action_fact
from .models import Decision, GenerationOutput, GenerationRequest, RequestInput, SignOff


def ledger_head() -> int:
    """Return the highest ledger sequence number written so far (0 for an empty ledger)."""
    return LedgerEntry.objects.aggregate(m=Max("seq"))["m"] or 0


def _with_seq(qs, record_type: str):
    return qs.annotate(
        seq=Subquery(
            LedgerEntry.objects.filter(record_type=record_type, record_id=OuterRef("pk"))
            .order_by()
            .values("seq")[:1]
        )
    )


def _as_of(rows, as_of: int) -> list[dict]:
    """Keep, per chain, the latest version recorded at or below as_of."""
    latest = {}
    for row in rows:
        if row["seq"] is None or row["seq"] > as_of:
            continue
        if row["chain"] not in latest or row["version"] > latest[row["chain"]]["version"]:
            latest[row["chain"]] = row
    return list(latest.values())


def grant_facts(production_id: int, asset_ids, as_of: int) -> list[p.GrantFact]:
    """The grants of the production that cover any of the assets (2 queries)."""
    chains = RightsGrant.objects.filter(production_id=production_id, assets__in=asset_ids).values("chain")
    versions = _as_of(_with_seq(RightsGrant.objects.filter(chain__in=chains), "grant").values(), as_of)
    covered = {}
    through = RightsGrant.assets.through
    for grant_id, asset_id in through.objects.filter(
        rightsgrant_id__in=[g["id"] for g in versions]
    ).values_list("rightsgrant_id", "asset_id"):
        covered.setdefault(grant_id, set()).add(asset_id)
    return [fact_of_row(p.GrantFact, {**g, "asset_ids": covered.get(g["id"], ())}) for g in versions]


def consent_facts(production_id: int, talent_ids, as_of: int) -> list[p.ConsentFact]:
    """The consents of the production from the talents, as of a sequence number (1 query)."""
    qs = ConsentRecord.objects.filter(production_id=production_id, talent_id__in=talent_ids)
    return [fact_of_row(p.ConsentFact, c) for c in _as_of(_with_seq(qs, "consent").values(), as_of)]


def reservation_facts(
    *, production_id: int, asset_ids, talent_ids, party_ids, as_of: int
) -> list[p.ReservationFact]:
    """The reservations on the assets, talents, owners or production that were in force as of a
    sequence number (1 query)."""
    qs = TrainingReservation.objects.filter(
        Q(asset_id__in=asset_ids)
        | Q(talent_id__in=talent_ids)
        | Q(party_id__in=party_ids)
        | Q(production_id=production_id)
    )
    return [
        fact_of_row(p.ReservationFact, {**r, "subject_id": r[f"{r['subject_type']}_id"]})
        for r in _as_of(_with_seq(qs, "reservation").values(), as_of)
        if r["status"] == "active"
    ]


def talents_named_in(prompt: str) -> set[int]:
    """Return the ids of registered talent whose name, professional name or alias the prompt
    contains, whatever the case, accents, invisible characters or look-alike letters (one indexed
    query)."""
    grams = ngrams(prompt or "")
    if not grams:
        return set()
    return set(TalentName.objects.filter(normalized__in=grams).values_list("talent_id", flat=True))


def snapshot(
    *,
    production_id: int,
    inputs: list[p.InputFact],
    talent_ids: set[int],
    prompt: str = "",
    as_of: int | None = None,
    today=None,
) -> tuple[p.Snapshot, set[int]]:
    """Return the records that concern a request, as of ledger sequence number as_of (now if
    None), and the talent the prompt names. The snapshot covers talent_ids and those named.

    On PostgreSQL the current state is read in one statement (fastpaths.snapshot_postgresql). A
    past state (as_of given), and SQLite, take the general path: every version of the chains
    concerned, keeping per chain the latest one recorded at or below as_of.
    """
    today = today or datetime.date.today()
    asset_ids = [i.asset_id for i in inputs if i.asset_id is not None]
    party_ids = [i.owner_party_id for i in inputs if i.owner_party_id is not None]
    if as_of is None and connection.vendor == "postgresql":
        return fastpaths.snapshot_postgresql(production_id, asset_ids, talent_ids, party_ids, prompt, today)
    named = talents_named_in(prompt)
    talent_ids = set(talent_ids) | named
    past = as_of
    as_of = ledger_head() if as_of is None else as_of
    talents = {
        t.pk: p.TalentFact(
            t.pk,
            t.professional_name or t.legal_name,
            t.is_deceased,
            t.is_minor,
            frozenset(m.guild_id for m in t.memberships.all()),
        )
        for t in Talent.objects.filter(pk__in=talent_ids).prefetch_related("memberships")
    }
    return p.Snapshot(
        as_of_seq=as_of,
        today=today,
        grants=tuple(grant_facts(production_id, asset_ids, as_of)),
        consents=tuple(consent_facts(production_id, talent_ids, as_of)),
        reservations=tuple(
            reservation_facts(
                production_id=production_id,
                asset_ids=asset_ids,
                talent_ids=talent_ids,
                party_ids=party_ids,
                as_of=as_of,
            )
        ),
        talents=talents,
        labour_actions=labour_action_facts(production_id, past),
    ), named


def labour_action_facts(production_id: int, as_of: int | None = None) -> tuple[p.LabourActionFact, ...]:
    """The labour actions against the production, as they are now, or as the ledger stood at
    sequence number as_of: an action recorded after it is left out, and one whose end was recorded
    after it is still in force (1 query)."""
    rows = LabourAction.objects.filter(production_id=production_id).annotate(
        guild_name=Coalesce(NullIf("guild__abbreviation", Value("")), "guild__name")
    )
    if as_of is not None:
        entries = LedgerEntry.objects.filter(record_type=LabourAction.ledger_type, record_id=OuterRef("pk"))
        rows = rows.annotate(
            recorded_seq=Subquery(
                entries.filter(entry_type=EntryType.LABOUR_ACTION_RECORDED).values("seq")[:1]
            ),
            ended_seq=Subquery(entries.filter(entry_type=EntryType.LABOUR_ACTION_ENDED).values("seq")[:1]),
        ).filter(recorded_seq__lte=as_of)
    facts = []
    for r in rows.values(
        "id",
        "guild_id",
        "guild_name",
        "started_on",
        "ended_on",
        *(("ended_seq",) if as_of is not None else ()),
    ):
        if as_of is not None and (r.pop("ended_seq") or as_of + 1) > as_of:
            r["ended_on"] = None
        facts.append(labour_action_fact(r))
    return tuple(facts)


def request_entries(request_id: int):
    """Return the ledger entries of a request's whole story, in order: the request and its state
    changes, its decisions, sign-offs and output (each of those is its own record)."""
    return LedgerEntry.objects.filter(
        Q(record_type="generation_request", record_id=request_id)
        | Q(record_type="decision", record_id__in=Decision.objects.filter(request_id=request_id).values("id"))
        | Q(record_type="sign_off", record_id__in=SignOff.objects.filter(request_id=request_id).values("id"))
        | Q(
            record_type="generation_output",
            record_id__in=GenerationOutput.objects.filter(request_id=request_id).values("id"),
        )
    ).order_by("seq")


# --- Reads for people: the portal and the API ----------------------------------------------------


def requests_for(user):
    """Return the generation requests of the productions the user may see, newest first."""
    return access.filter_by_production(GenerationRequest.objects.all(), user).order_by("-id")


# An output whose request has these statuses is withheld: its bytes (and its picture) are served
# to nobody until a clearance user releases it.
WITHHELD_STATUSES = ("held", "refused")


def withheld_output_assets():
    """Return the ids of the assets that are outputs withheld for clearance (a subquery)."""
    return GenerationOutput.objects.filter(request__status__in=WITHHELD_STATUSES).values("asset_id")


def shots_with_generations(user, production_id: int):
    """Return the production's shots, each with its requests (newest first) and their outputs
    (with their thumbnails): three queries, whatever the number of shots and requests."""
    requests = GenerationRequest.objects.select_related("output__asset__thumbnail", "requester").order_by(
        "-id"
    )
    return (
        shots_for(user)
        .filter(production_id=production_id)
        .prefetch_related(Prefetch("generation_requests", queryset=requests))
        .order_by("code")
    )


def sign_off_queue(user):
    """Return the requests awaiting a sign-off (or holding an output for clearance) in the
    productions where the user is clearance, oldest first."""
    qs = GenerationRequest.objects.filter(status__in=("needs_clearance", "held")).select_related(
        "shot", "production", "requester"
    )
    return access.filter_by_production(qs, user, roles=access.CLEARANCE_ROLES).order_by("id")


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


def relied_consents(*reason_lists) -> set[int]:
    """Return the ids of the consents that decisions' reasons (or a check's) relied on."""
    return {
        x["id"]
        for reasons in reason_lists
        for reason in reasons
        for x in reason["records"]
        if x["type"] == "consent"
    }


def open_flags_relied_on(*reason_lists) -> list:
    """Return the guilds' unresolved flags on any consent the reasons relied on, in one query:
    what the sign-off, the preview, the request's decision and the shot's audit warn of."""
    return open_flags_on(relied_consents(*reason_lists))


def output_file_name(request, media_type: str) -> str:
    """Return the name a request's output downloads under (EP102_SH0010_set_extension_r5.png)."""
    return output_download_name(
        production=request.production,
        shot_code=request.shot.code,
        intended_use=request.intended_use,
        request_id=request.pk,
        media_type=media_type,
    )


# --- Character continuity --------------------------------------------------------------------------


def continuity_report(outputs, *, match_limit: float, thumbnail=None, with_shot: bool = False):
    """Return the continuity report (provenance.continuity) of these generation outputs: every face
    of a registered performer found in them (a still's, or each keyframe's of a clip), set against
    that performer's median across them. thumbnail(asset_id) gives a picture's URL for an output
    whose bytes may be shown (none for one withheld for clearance); with_shot names each output's
    shot too (a production's report). Two queries."""
    rows = {o.asset_id: o for o in outputs.select_related("request__shot", "asset").order_by("id")}
    sightings = (
        FaceSighting.objects.filter(
            asset_id__in=list(rows), talent__isnull=False, talent__erased_at__isnull=True, lab_l__isnull=False
        )
        .select_related("talent")
        .order_by("asset_id", "frame_index", "id")
    )
    appearances, names = [], {}
    for s in sightings:
        output = rows[s.asset_id]
        request = output.request
        label = f"request {request.pk} ({words.label(request.engine, 'engines')}"
        label += f", {request.shot.code})" if with_shot else ")"
        withheld = request.status in WITHHELD_STATUSES
        names[s.talent_id] = s.talent.professional_name or s.talent.legal_name
        appearances.append(
            continuity.Appearance(
                performer=s.talent_id,
                output=output.pk,
                frame=s.frame_index,
                time=s.seconds or 0.0,
                distance=s.distance or 0.0,
                lab_l=s.lab_l,
                lab_a=s.lab_a,
                lab_b=s.lab_b,
                output_label=label,
                thumbnail_url=thumbnail(output.asset_id) if thumbnail and not withheld else "",
                clip=output.asset.media_type.startswith("video/"),
            )
        )
    return continuity.report(appearances, continuity.Thresholds(match_limit=match_limit), names=names)
