"""Reads of the tracker bridge: a production's shots as an OTIO timeline for the edit."""

from django.db.models import Prefetch

from generation.models import Decision, GenerationRequest
from provenance import selectors as prov

from . import timeline as tl


def timeline_export(production) -> str:
    """The production's shots (those not removed), in record order, as an OTIO timeline; each
    clip's metadata says what was decided last for the shot, its ledger entry, and the Content
    Credentials of its latest output, so an editor's tool shows which shots are cleared."""
    shots = list(
        production.shots.filter(removed=False).prefetch_related(
            Prefetch(
                "generation_requests",
                queryset=GenerationRequest.objects.select_related("output__asset")
                .prefetch_related(Prefetch("decisions", queryset=Decision.objects.order_by("id")))
                .order_by("id"),
            )
        )
    )
    rows = []
    for shot in shots:
        requests = list(shot.generation_requests.all())
        latest = requests[-1] if requests else None
        decision = list(latest.decisions.all())[-1] if latest and latest.decisions.all() else None
        output = getattr(latest, "output", None) if latest else None
        credentials = None
        if output is not None:
            with output.asset.file.open("rb") as fh:
                verified = prov.verify(fh.read(), output.asset.media_type)
            credentials = {
                "asset": output.asset_id,
                "sha256": output.asset.sha256,
                "state": verified.get("validation_state"),
            }
        rows.append(
            {
                "code": shot.code,
                "frame_in": shot.frame_in,
                "frame_out": shot.frame_out,
                "frame_count": shot.frame_count,
                "record_in": shot.record_in,
                "reel": shot.reel,
                tl.METADATA_KEY: {
                    "shot": shot.pk,
                    "sequence": shot.sequence,
                    "request": latest.pk if latest else None,
                    "status": latest.status if latest else "no_request",
                    "decision": {
                        "id": decision.pk,
                        "kind": decision.kind,
                        "outcome": decision.outcome,
                        "ledger_seq": decision.ledger_seq,
                    }
                    if decision
                    else None,
                    "content_credentials": credentials,
                    "cleared": bool(
                        latest
                        and latest.status == "succeeded"
                        and credentials
                        and credentials["state"] in ("trusted", "valid")
                    ),
                },
            }
        )
    return tl.export(f"{production.code} (Rightsledger)", rows)
