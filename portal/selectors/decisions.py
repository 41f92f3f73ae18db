"""Decisions and their reasons in words, and the proof files of the records and outputs they name."""

from dataclasses import dataclass

from django.urls import reverse

from rightsledger import selectors as rl_selectors
from rightsledger import words
from rightsledger.api.records import RECORDS
from rightsledger.ledger import prooffiles
from rightsledger.models import LabourAction

from .performers import labour_action_sentence


@dataclass(frozen=True)
class ProofFileLink:
    """Where a record's proof file (C2SP tlog-proof) is downloaded, and the name it is saved as
    (the one its offline check names)."""

    url: str
    name: str


def record_proof_link(kind: str, record) -> ProofFileLink | None:
    """Return the proof file of a version of a record whose kind guilds check offline (a
    consent), or None for another kind."""
    if not RECORDS[kind].proofs:
        return None
    return ProofFileLink(reverse(f"{kind}-proof-file", args=[record.pk]), prooffiles.record_file_name(record))


def output_proof_link(req) -> ProofFileLink:
    """Return the proof file of a generation request's output: the entry that recorded it."""
    url = reverse("generation-request-output-proof-file", args=[req.pk])
    return ProofFileLink(url, prooffiles.output_file_name(req.pk))


def reasons_in_words(reasons_lists) -> tuple[list[list[dict]], dict]:
    """Return decisions' reasons as a page shows them, and the records they name: each reason's
    message and remedy in words (rightsledger.words.reword), each record relied on with its
    RecordRef (the number it keeps for life, and whether it was amended or revoked since). One
    query per kind of record, however many reasons."""
    lists = [list(reasons or ()) for reasons in reasons_lists]
    pairs = {(x["type"], x["id"]) for reasons in lists for r in reasons for x in r.get("records", ())}
    refs = rl_selectors.record_refs(pairs)
    strikes = labour_actions_named({pk for kind, pk in pairs if kind == "labour_action"})
    numbers = {(ref.kind, ref.id): ref.number for ref in refs.values()}
    worded = [
        [
            {
                **r,
                "message": words.reword(r.get("message", ""), numbers),
                "remedy": words.reword(r.get("remedy") or "", numbers),
                "records": [
                    {**x, "ref": refs.get(f"{x['type']}:{x['id']}"), "labour": strikes.get(x["id"])}
                    if x["type"] == "labour_action"
                    else {**x, "ref": refs.get(f"{x['type']}:{x['id']}")}
                    for x in r.get("records", ())
                ],
            }
            for r in reasons
        ]
        for reasons in lists
    ]
    return worded, refs


@dataclass(frozen=True)
class LabourActionLink:
    """A labour action a reason relied on, as the reason names it: its union and days, and where the
    production's performer rules page lists it."""

    name: str
    url: str


def labour_actions_named(ids) -> dict[int, LabourActionLink]:
    """Return the labour actions named by id, each as a reason names it (one query; none for none)."""
    if not ids:
        return {}
    found = LabourAction.objects.filter(pk__in=ids).select_related("guild")
    return {
        a.pk: LabourActionLink(
            name=labour_action_sentence(a.guild.name, a.started_on, a.ended_on),
            url=reverse("portal:performer_rules", args=[a.production_id]) + f"#labour-action-{a.pk}",
        )
        for a in found
    }


def word_decisions(decisions) -> dict:
    """Set `worded` on each decision: its reasons in words (reasons_in_words). Return the refs."""
    worded, refs = reasons_in_words([d.reasons for d in decisions])
    for d, reasons in zip(decisions, worded, strict=True):
        d.worded = reasons
    return refs


# --- Start pages ---------------------------------------------------------------------------------
