"""Reads of provenance: lineage through recursive SQL, and verification of files."""

import json

import filetype
from django.db import connection

from rightsledger.ledger.entry_types import EntryType
from rightsledger.models import LedgerEntry

from . import manifest as mf
from .credentials import INVALID, read_store, trust_of
from .embedded import training_mining_of

MAX_DEPTH = 64

# Walk the lineage graph from some assets: towards parents (near=parent_id, far=child_id) or
# towards children (the reverse). UNION stops cycles from growing; MAX_DEPTH bounds the walk.
_WALK = """
WITH RECURSIVE walk(asset_id, depth) AS (
    SELECT {near}, 1 FROM provenance_lineageedge WHERE {far} IN ({roots})
    UNION
    SELECT e.{near}, walk.depth + 1 FROM provenance_lineageedge e JOIN walk ON e.{far} = walk.asset_id
    WHERE walk.depth < %s
)
SELECT asset_id, min(depth) FROM walk GROUP BY asset_id
"""


def _walk(asset_ids, near: str, far: str) -> dict[int, int]:
    ids = [int(a) for a in asset_ids]
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            _WALK.format(near=near, far=far, roots=", ".join(["%s"] * len(ids))), [*ids, MAX_DEPTH]
        )
        return dict(cursor.fetchall())


def ancestors(*asset_ids: int) -> dict[int, int]:
    """Every asset that went into these, at any depth: {asset id: nearest depth}. One query."""
    return _walk(asset_ids, near="parent_id", far="child_id")


def descendants(*asset_ids: int) -> dict[int, int]:
    """Every asset made from these, at any depth. One query."""
    return _walk(asset_ids, near="child_id", far="parent_id")


def verify(data: bytes, media_type: str) -> dict:
    """Verify a file's Content Credentials: validation state and failure codes, signer and time,
    the ingredient tree, the training-mining preferences, and the Rightsledger assertion with
    whether the decision and ledger entry it names exist here and match."""
    store = read_store(data, media_type)
    if store is None:
        return {
            "credentials": False,
            "validation_state": None,
            "message": "The file carries no Content Credentials.",
        }
    if "error" in store:
        return {
            "credentials": True,
            "validation_state": "invalid",
            "trust": INVALID,
            "failures": ["manifest.unreadable"],
            "message": store["error"],
        }
    manifests = store.get("manifests", {})
    active = manifests.get(store.get("active_manifest"), {})
    results = store.get("validation_results", {}).get("activeManifest", {}) or {}
    sig = active.get("signature_info", {})

    def tree(m, depth=0):
        out = []
        for ing in m.get("ingredients", []):
            node = {
                "title": ing.get("title"),
                "format": ing.get("format"),
                "relationship": ing.get("relationship"),
            }
            label = ing.get("active_manifest")
            if label and label in manifests and depth < 8:
                node["manifest"] = label
                node["ingredients"] = tree(manifests[label], depth + 1)
            out.append(node)
        return out

    ours = next(
        (a.get("data") for a in active.get("assertions", []) if a.get("label") == mf.RIGHTSLEDGER_LABEL), None
    )
    check = None
    if ours:
        # The decision is checked against its ledger entry, the record a verifier can prove.
        ledger = ours.get("ledger") or {}
        entry = decision_entry(ledger.get("seq"))
        decided = entry_payload(entry) if entry else {}
        check = {
            "decision_exists": bool(
                entry
                and decided.get("decision") == ours.get("decision")
                and decided.get("request") == ours.get("request")
            ),
            "decision_matches": bool(
                entry
                and decided.get("decision") == ours.get("decision")
                and decided.get("outcome") == ours.get("outcome")
            ),
            "ledger_entry_matches": bool(entry and bytes(entry.leaf_hash).hex() == ledger.get("leaf_hash")),
        }
    return {
        "credentials": True,
        "validation_state": (store.get("validation_state") or "Invalid").lower(),
        "trust": trust_of(data, media_type, store.get("validation_state")),
        "failures": [
            {"code": f.get("code"), "explanation": f.get("explanation")} for f in results.get("failure", [])
        ],
        "signer": {
            "common_name": sig.get("common_name"),
            "issuer": sig.get("issuer"),
            "algorithm": sig.get("alg"),
        },
        "signing_time": sig.get("time") or (ours or {}).get("signed_at"),
        "active_manifest": store.get("active_manifest"),
        "claim_generator": active.get("claim_generator_info"),
        "title": active.get("title"),
        "ingredients": tree(active),
        "training_mining": training_mining_of(store),
        "rightsledger": ours,
        "rightsledger_check": check,
    }


def decision_entry(seq) -> LedgerEntry | None:
    """Return the ledger entry of a decision by its sequence number, or None."""
    if not isinstance(seq, int):
        return None
    return LedgerEntry.objects.filter(seq=seq, record_type="decision").first()


def entry_payload(entry: LedgerEntry) -> dict:
    """Return the payload of a ledger entry, from its canonical bytes."""
    return json.loads(bytes(entry.body))["payload"]


def generation_activities(decision_seqs) -> list[dict]:
    """Return, for each run decision named by lineage edges, the generation as the ledger records
    it: the request, engine, shot, requester, approvers and the grants and consents relied on.
    Two queries, whatever the number of generations."""
    runs = {
        e.seq: entry_payload(e)
        for e in LedgerEntry.objects.filter(seq__in=set(decision_seqs), record_type="decision")
    }
    requested = {
        e.record_id: e
        for e in LedgerEntry.objects.filter(
            record_type="generation_request",
            entry_type=EntryType.GENERATION_REQUESTED,
            record_id__in={run["request"] for run in runs.values()},
        )
    }
    out = []
    for seq, run in sorted(runs.items()):
        entry = requested.get(run["request"])
        asked = entry_payload(entry) if entry else {}
        out.append(
            {
                "decision_seq": seq,
                "request": run["request"],
                "engine": f"{asked.get('engine', '?')} {asked.get('engine_version', '')}".strip(),
                "shot": asked.get("shot"),
                "requester": entry.actor if entry else None,
                "approver": (run.get("sign_off") or {}).get("approver"),
                "records": sorted(
                    {
                        (r["type"], r["id"], r.get("seq") or 0)
                        for reason in run["reasons"]
                        for r in reason["records"]
                        if r["type"] in ("grant", "consent")
                    }
                ),
            }
        )
    return out


def sniff_media_type(data: bytes) -> str | None:
    """Return a file's media type from its first bytes, or None if unknown."""
    guess = filetype.guess(data[:8192])
    return guess.mime if guess else None


def watermark_output(identifier: int | None):
    """Return the signed output an identifier was tied to, or None."""
    from .models import Watermark

    if identifier is None:
        return None
    mark = Watermark.objects.select_related("output").filter(identifier=identifier).first()
    return mark.output if mark is not None else None
