"""Keep a run's signed output: its asset, lineage, signing and output records, and the likeness
check that holds an output resembling a performer no consent of the run covers (R6)."""

import contextlib
import hashlib

import numpy as np
from django.core.files.base import ContentFile, File

from provenance.services import Signing, lineage_record_many, output_record
from rightsledger import services as rs
from rightsledger import words
from rightsledger.ledger.append import Recorder, recording
from rightsledger.ledger.entry_types import EntryType

from .. import policy as p
from .. import selectors
from ..models import GenerationOutput, GenerationRequest
from .disclosure import disclosure_default
from .gate import WORKER, decision_record, tell
from .notices import run_notify


def output_keep(request, *, signing: Signing, decision, outcome, result, engine_seconds, attempt) -> bool:
    """Record a signed output once: its asset, lineage, signing, output and the likeness check.
    Returns whether the output is held for clearance."""
    with recording(actor=WORKER) as rec, contextlib.ExitStack() as files:
        name = selectors.output_file_name(request, signing.media_type)
        # A still arrives as bytes; a signed clip as the path of its file.
        signed = signing.signed
        upload = (
            File(files.enter_context(open(signed, "rb")), name=name)
            if isinstance(signed, str)
            else ContentFile(signed, name=name)
        )
        engine = words.label(request.engine, "engines")
        asset, _ = rs.asset_register(
            actor=WORKER,
            production=request.production,
            upload=upload,
            kind="generated",
            origin="generated",
            title=f"{engine} output for {request.shot.code} (request {request.pk})",
            dimensions=result.image.size if result.image is not None else None,
        )
        lineage_record_many(
            rec,
            child=asset,
            parents=[
                (i.asset, i.role) for i in request.inputs.filter(asset__isnull=False).select_related("asset")
            ],
            decision_seq=decision.ledger_seq,
        )
        output_record(asset=asset, signing=signing)
        output = GenerationOutput.objects.create(
            request=request,
            asset=asset,
            run_decision=decision,
            engine_metadata=result.metadata,
            engine_seconds=engine_seconds,
        )
        entry = rec.append(
            EntryType.GENERATION_OUTPUT_RECORDED,
            {
                "request": request.pk,
                "output_asset": asset.pk,
                "sha256": asset.sha256,
                "decision": decision.pk,
                "attempt": attempt,
            },
            record=output,
            production=request.production,
        )
        GenerationOutput.objects.filter(pk=output.pk).update(ledger_seq=entry.seq)
        held = _likeness_check(rec, request, outcome, [e for _, e in signing.embeddings])
        disclosure_default(rec, output=output, held=held)
        request.status = "held" if held else "succeeded"
        request.lease_expires = None
        request.failure = ""
        request.save(update_fields=["status", "lease_expires", "failure", "updated_at"])
        tell(request, event="run", outcome="held" if held else "succeeded")
        run_notify(request, "held" if held else "succeeded")
    return held


def _likeness_check(rec: Recorder, request: GenerationRequest, run: p.Outcome, embeddings: list) -> bool:
    """Hold an output that looks like a performer whom none of the run's consents covers (R6),
    from the output's embeddings (a still's one, a clip's at every keyframe: any keyframe that
    resembles holds the clip), made when it was signed. Returns whether it is held. Needs
    embeddings (CLIP_WEIGHTS)."""
    if not embeddings:
        return False
    # Defers faiss until an output has embeddings to compare.
    from provenance import similarity

    close = similarity.likeness_matches(np.stack(embeddings), request.production)
    hold = p.likeness_hold(run, close, selectors.ledger_head())
    if hold is None:
        return False
    decision_record(rec, request, hold, "likeness_check")
    return True


def output_unstore(signed) -> None:
    """Remove the stored file of a signed output (bytes, or a file's path) that was not recorded."""
    if signed is None:
        return
    digest = hashlib.sha256()
    if isinstance(signed, str):
        with open(signed, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    else:
        digest.update(signed)
    rs.content_unstore_unless_used(digest.hexdigest())
