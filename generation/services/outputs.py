"""Keep a run's signed output: its asset, lineage, signing and output records, and the likeness
check that holds an output showing the face of a performer no consent of the run covers (R6)."""

import contextlib
import hashlib

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db.models import Value
from django.db.models.functions import Coalesce, NullIf

from provenance.services import (
    Signing,
    face_references,
    lineage_record_many,
    output_faces_record,
    output_record,
)
from rightsledger import services as rs
from rightsledger import words
from rightsledger.ledger.append import Recorder, recording
from rightsledger.ledger.entry_types import EntryType
from rightsledger.models import Talent

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
        held = _likeness_check(rec, request, outcome, asset, signing.faces)
        disclosure_default(rec, output=output, held=held)
        request.status = "held" if held else "succeeded"
        request.lease_expires = None
        request.failure = ""
        request.save(update_fields=["status", "lease_expires", "failure", "updated_at"])
        tell(request, event="run", outcome="held" if held else "succeeded")
        run_notify(request, "held" if held else "succeeded")
    return held


def _likeness_check(rec: Recorder, request: GenerationRequest, run: p.Outcome, asset, faces) -> bool:
    """Hold an output in which the face of a performer appears whom none of the run's consents
    covers (R6): every face the signing found (a still's; a clip's at each keyframe) is matched
    with the studio's performers and kept as a sighting. Returns whether the output is held."""
    if not settings.FACE_CHECK:
        return False
    references = face_references(request.production.studio_id)
    sightings = output_faces_record(asset=asset, frames=faces, references=references)
    seen = [
        p.FaceSeenFact(s.talent_id, s.frame_index, s.seconds, s.distance)
        for s in sightings
        if s.talent_id is not None
    ]
    if not seen:
        return False
    names = dict(
        Talent.objects.filter(pk__in={s.talent_id for s in seen})
        .annotate(shown=Coalesce(NullIf("professional_name", Value("")), "legal_name"))
        .values_list("pk", "shown")
    )
    hold = p.likeness_hold(run, seen, names, selectors.ledger_head(), threshold=settings.FACE_MATCH_DISTANCE)
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
