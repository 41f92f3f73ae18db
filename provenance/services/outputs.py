"""Signing a generation's output: its manifest names the decision and the ledger entry and
checkpoint that prove it, and carries that proof as a C2SP tlog-proof file; its fingerprints are
made once, from the engine's pixels. Then the signing is recorded with the output's reservation."""

import dataclasses
import datetime
import logging

from django.conf import settings
from django.utils import timezone

from rightsledger import services as rl
from rightsledger.imaging import open_image
from rightsledger.ledger import prooffiles, proofs
from rightsledger.ledger.append import recording
from rightsledger.ledger.entry_types import EntryType
from rightsledger.models import Asset, Checkpoint, LedgerEntry

from .. import fingerprint as fp
from .. import manifest as mf
from ..models import SignedOutput, SigningIdentity
from .faces import frames_faces
from .identities import SigningError, active_identity
from .ingest import store_fingerprints
from .signing import reserved_uses_for, sign_bytes, sign_file
from .watermarks import watermark_attach, watermark_still

log = logging.getLogger(__name__)

VERSION = "0.1.0"


@dataclasses.dataclass(frozen=True)
class Signing:
    """An output signed, and what recording it takes."""

    signed: (
        bytes | str
    )  # a still's signed bytes, or the path of a signed clip's file (the caller stores and removes it)
    media_type: str
    identity: SigningIdentity
    manifest: dict  # the manifest definition
    label: str  # the manifest's label
    store: bytes  # the manifest store
    reserved: frozenset[str]  # the AI uses the output reserves
    why: list[str]  # a line per source of the reservation
    soft_binding: int  # the pHash of the whole image (a clip's first frame)
    phashes: dict[str, int]  # by variant (a clip's keyframes as t<seconds>)
    embeddings: list  # (seconds or None, embedding), with CLIP_WEIGHTS
    watermark: int | None = None  # the identifier the pixels carry, declared in the manifest
    faces: tuple = ()  # (index, seconds or None, face_match.FrameFaces) per frame, with FACE_CHECK


@dataclasses.dataclass(frozen=True)
class _Prints:
    pixels: object  # PIL image: the engine's, or decoded from its bytes
    soft_binding: int
    phashes: dict[str, int]
    embeddings: list
    faces: tuple = ()


def output_title(request) -> str:
    """The title an output's manifest gives: the shot code only where the production discloses names."""
    if request.production.output_disclosure == "named":
        return f"{request.shot.code} - {request.engine} output (request {request.pk})"
    return f"AI-generated output ({request.engine})"


def ingredient_title(production, request_input) -> str:
    """An input's title in the manifest: its file name only where the production discloses names."""
    if production.output_disclosure == "named":
        return request_input.asset.original_filename or f"asset {request_input.asset_id}"
    return f"input {request_input.position} ({request_input.role})"


def output_require_signable(media_type: str) -> None:
    """Refuse (SigningError) an engine's output in a format that is not signed."""
    if media_type not in mf.SIGNABLE:
        raise SigningError(
            f"The engine produced {media_type}; only "
            f"{', '.join(sorted(mf.SIGNABLE))} outputs are signed and recorded."
        )


def output_sign(
    *, request, decision, result, checkpoint: Checkpoint | None, watermark: int | None = None
) -> Signing:
    """Sign a generation's output: the manifest names the decision and the ledger entry and
    checkpoint that prove it (checkpoint: the latest, which the caller publishes first so that it
    covers the decision; None without one). A still is first marked with the watermark identifier,
    so that the manifest's hash covers the marked pixels; a clip's frames were marked as rendered
    (the engine says so in its metadata). Returns the signing, with what to record."""
    output_require_signable(result.media_type)
    if result.media_type in mf.CLIPS:
        marked = (
            watermark if watermark is not None and result.metadata.get("watermark") == watermark else None
        )
    else:
        result, carries = watermark_still(result, watermark)
        marked = watermark if carries else None
    inputs = list(request.inputs.select_related("asset").order_by("position"))
    talent_ids = set(request.talents.values_list("id", flat=True))
    reserved, why = reserved_uses_for(
        production=request.production, input_assets=[i.asset for i in inputs], talent_ids=talent_ids
    )
    facts = _output_facts(request, decision, inputs, reserved, checkpoint)
    prints = _output_prints(result)
    facts = mf.OutputFacts(
        **{
            **facts.__dict__,
            "soft_binding": (prints.soft_binding & ((1 << 64) - 1)).to_bytes(8, "big"),
            "watermark": marked,
        }
    )
    identity = active_identity()
    signed, definition, label, store = _signed(result, facts, inputs, prints.pixels, reserved, identity)
    return Signing(
        signed=signed,
        media_type=result.media_type,
        identity=identity,
        manifest=definition,
        label=label,
        store=store,
        reserved=reserved,
        why=why,
        soft_binding=prints.soft_binding,
        phashes=prints.phashes,
        embeddings=prints.embeddings,
        watermark=marked,
        faces=prints.faces,
    )


def _output_facts(request, decision, inputs, reserved: frozenset[str], checkpoint) -> mf.OutputFacts:
    """Return what the output's manifest says: title, engine, ingredients, reservation, decision."""
    consents = _consents_relied(decision)
    return mf.OutputFacts(
        title=output_title(request),
        engine=request.engine,
        engine_version=request.engine_version,
        generator_version=VERSION,
        ingredients=tuple(
            mf.Ingredient(
                title=ingredient_title(request.production, i),
                media_type=i.asset.media_type,
                role=i.role,
                asset_id=i.asset_id,
                sha256=i.asset.sha256,
                frames=i.frames,
            )
            for i in inputs
        ),
        reserved_uses=reserved,
        decision={
            "request": request.pk,
            "decision": decision.pk,
            "outcome": decision.outcome,
            **_ledger_claim(request, decision, checkpoint),
            "consents": sorted({c["id"]: c for c in consents}.values(), key=lambda c: c["id"]),
            "signed_at": timezone.now().isoformat(),
        },
    )


def _ledger_claim(request, decision, checkpoint) -> dict:
    """Return the assertion's ledger fields: `ledger`, the decision's ledger entry as the file
    names it (its seq and leaf hash, and where the checkpoint covers it, the checkpoint and the
    inclusion proof); and there, `tlog_proof`: the same proof as a C2SP tlog-proof file (its
    text), the entry's bytes and the checkpoint's cosignatures with it, which `rightsledger-verify
    proof` checks offline from the signed file alone."""
    ledger = {"seq": decision.ledger_seq}
    claim = {"ledger": ledger}
    entry = LedgerEntry.objects.filter(seq=decision.ledger_seq).first()
    if entry is not None:
        ledger["leaf_hash"] = bytes(entry.leaf_hash).hex()
    try:
        leaf = proofs.leaf_for(seq=decision.ledger_seq)
        if checkpoint is not None and leaf.index < checkpoint.size:
            ledger.update(
                leaf_index=leaf.index,
                checkpoint={
                    "origin": settings.LEDGER_ORIGIN,
                    "size": checkpoint.size,
                    "root": bytes(checkpoint.root).hex(),
                },
                inclusion_proof=[h.hex() for h in proofs.inclusion_proof(leaf, checkpoint.size)],
            )
            claim["tlog_proof"] = prooffiles.proof_file(entry, checkpoint).decode()
    except Exception as exc:  # the proof can always be fetched later; signing must not wait on it
        log.warning("output of request %s signed without a checkpoint: %s", request.pk, exc)
    return claim


def _consents_relied(decision) -> list[dict]:
    """Return the consents the decision relied on, each with its ledger entry (a query each)."""
    consents = []
    for r in decision.reasons:
        for ref in r.get("records", []):
            if ref["type"] == "consent":
                e = LedgerEntry.objects.filter(seq=ref["seq"]).first()
                consents.append(
                    {"id": ref["id"], "seq": ref["seq"], "leaf_hash": bytes(e.leaf_hash).hex() if e else None}
                )
    return consents


def _output_prints(result) -> _Prints:
    """The output's fingerprints, once, from the engine's pixels: the pHash of the whole image (a
    clip's first frame) is the soft binding; the pHashes and embeddings (a clip's at keyframes)
    are stored with the output and serve near-duplicate matching and training clearance; the faces
    (a clip's at least every FACE_KEYFRAME_SECONDS) serve the likeness check."""
    pixels = result.image
    if pixels is None:
        pixels = open_image(result.data, max_pixels=settings.IMAGE_MAX_PIXELS)
    phashes = fp.phash_variants(pixels)
    soft = phashes["full"]
    if result.media_type in mf.CLIPS:
        keyframes = fp.keyframe_prints(
            result.path, settings.VIDEO_KEYFRAME_SECONDS, embeddings=bool(settings.CLIP_WEIGHTS)
        )
        phashes.update({f"t{k.seconds:g}": k.phash for k in keyframes})
        embeddings = [(k.seconds, k.embedding) for k in keyframes] if settings.CLIP_WEIGHTS else []
    else:
        embeddings = [(None, fp.embed([pixels])[0])] if settings.CLIP_WEIGHTS else []
    faces = ()
    if settings.FACE_CHECK:
        faces = tuple(
            frames_faces(result.path if result.media_type in mf.CLIPS else pixels, result.media_type)
        )
    return _Prints(pixels=pixels, soft_binding=soft, phashes=phashes, embeddings=embeddings, faces=faces)


def _signed(result, facts: mf.OutputFacts, inputs, pixels, reserved: frozenset[str], identity) -> tuple:
    """Sign the output with its inputs as ingredients (each read from storage as a stream).
    Returns (the signed bytes of a still, or the path of a signed clip; manifest definition,
    manifest label, manifest store)."""
    media_type = result.media_type
    streams = [i.asset.file.storage.open(i.asset.file.name, "rb") for i in inputs]
    try:
        ingredients = list(zip(facts.ingredients, streams))
        if media_type in mf.CLIPS:
            # From the engine's file to a signed file beside it; the caller stores it and removes both.
            signed = result.path[: -len(".mp4")] + ".signed." + mf.SIGNABLE[media_type]
            definition, label, store = sign_file(
                source_path=result.path,
                dest_path=signed,
                media_type=media_type,
                facts=facts,
                ingredients=ingredients,
                image=pixels,
                identity=identity,
            )
        else:
            data = mf.add_xmp(result.data, media_type, mf.xmp_packet(reserved))
            signed, definition, label, store = sign_bytes(
                data=data,
                media_type=media_type,
                facts=facts,
                ingredients=ingredients,
                image=result.image,
                identity=identity,
            )
    finally:
        for stream in streams:
            stream.close()
    return signed, definition, label, store


def output_record(*, asset: Asset, signing: Signing) -> SignedOutput:
    """Record the signing of an output and the output's reservation; return the signing."""
    with recording(actor="system:worker") as rec:
        signed = SignedOutput.objects.create(
            asset=asset,
            identity=signing.identity,
            manifest_label=signing.label,
            manifest=signing.manifest,
            manifest_store=signing.store or b"",
            soft_binding=signing.soft_binding,
        )
        if signing.watermark is not None:
            watermark_attach(output=signed, identifier=signing.watermark)
        binding = [("binding", signed.soft_binding)] if signed.soft_binding is not None else []
        store_fingerprints(asset, binding + list(signing.phashes.items()), signing.embeddings)
        rec.append(
            EntryType.PROVENANCE_OUTPUT_SIGNED,
            {
                "signed_output": signed.pk,
                "asset": asset.pk,
                "sha256": asset.sha256,
                "manifest": signing.label,
                "identity": signing.identity.fingerprint,
                **({"watermark": signing.watermark} if signing.watermark is not None else {}),
            },
            record=signed,
            production=asset.production,
        )
        rl.reservation_create(
            actor="system:worker",
            studio=asset.production.studio,
            subject_type="asset",
            asset=asset,
            uses=sorted(signing.reserved),
            source="lineage",
            effective_date=datetime.date.today(),
            note="; ".join(signing.why)[:2000],
        )
    return signed
