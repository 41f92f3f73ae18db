"""Writes of provenance: signing identities, signing outputs with Content Credentials, lineage
edges, do-not-train propagation, and the credentials read from files at ingest."""

import datetime
import functools
import io
import json
import logging
import os
import uuid
from pathlib import Path

import c2pa
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from PIL import Image

from rightsledger import services as rl
from rightsledger import vocab
from rightsledger.imaging import open_image
from rightsledger.input_policy import MAX_ITEMS
from rightsledger.ledger.append import Recorder, recording
from rightsledger.models import Asset, ConsentRecord, LedgerEntry
from rightsledger.selectors import reservations_in_force

from . import identity as ident
from . import manifest as mf
from .embedded import training_mining_of
from .models import AssetCredential, LineageEdge, SignedOutput, SigningIdentity

log = logging.getLogger(__name__)

VERSION = "0.1.0"
THUMBNAIL_SIZE = 256


class SigningError(Exception):
    """An output cannot be signed (no identity, unsupported format...)."""


# --- Lineage -------------------------------------------------------------------------------------


def lineage_record_many(rec: Recorder, *, child: Asset, parents: list[tuple[Asset, str]], decision_seq: int | None = None) -> list[LineageEdge]:
    """Record that each (parent, role) went into child, under the decision whose ledger entry is
    decision_seq (for a generation), in the caller's recording block; return the edges. An edge
    already recorded is returned as it is."""
    existing = {(e.parent_id, e.role): e for e in LineageEdge.objects.filter(child=child)}
    new = [LineageEdge(parent=parent, child=child, role=role, decision_seq=decision_seq)
           for parent, role in dict.fromkeys(parents) if (parent.pk, role) not in existing]
    if new:
        new = LineageEdge.objects.bulk_create(new)
        rec.append_many([
            ("provenance.lineage_recorded", {"edge": e.pk, "parent": e.parent_id, "child": e.child_id, "role": e.role, "decision_seq": decision_seq},
             {"record": e, "production": child.production})
            for e in new
        ])
    return [*existing.values(), *new]


# --- Identities ----------------------------------------------------------------------------------


def identity_register(*, actor=None, name: str, chain_pem: str, key_path: str = "", passphrase_env: str = "", passphrase_file: str = "",
                      callback: str = "", development: bool = False, activate: bool = True) -> SigningIdentity:
    """Register a signing identity and, by default, make it the active one (the previous one is
    retired, and kept for verification); return it. Checks that the key opens and matches the
    chain. Registration, import and rotation are all this one recorded fact."""
    if SigningIdentity.objects.filter(name=name).exists():  # the name is unique: say so, not IntegrityError
        raise SigningError(f"A signing identity named {name!r} is already registered; give it another name.")
    info = ident.chain_info(chain_pem)
    if key_path and not callback:
        if not Path(key_path).exists():
            raise SigningError(f"No key file at {key_path}.")
        os.chmod(key_path, 0o600)
        key = ident.load_key(Path(key_path), _passphrase(passphrase_env, passphrase_file))
        from cryptography import x509

        leaf = x509.load_pem_x509_certificates(chain_pem.encode())[0]
        if key.public_key().public_numbers() != leaf.public_key().public_numbers():
            raise SigningError("The key does not belong to the chain's signer certificate.")
    elif not callback:
        raise SigningError("Give the signer's key file or a callback.")
    with recording(actor=actor) as rec:
        retired = []
        if activate:
            retired = list(SigningIdentity.objects.select_for_update().filter(active=True).values_list("pk", flat=True))
            SigningIdentity.objects.filter(pk__in=retired).update(active=False, retired_at=timezone.now())
        identity = SigningIdentity.objects.create(
            name=name, chain_pem=chain_pem, key_path=key_path, passphrase_env=passphrase_env, passphrase_file=passphrase_file,
            callback=callback, subject=info["subject"], issuer=info["issuer"], fingerprint=info["fingerprint"], not_after=info["not_after"],
            development=development, active=activate,
        )
        # Who may sign for the studio is a fact: the identity, its certificate, and what it retires.
        rec.append("signing.identity_registered",
                   {"identity": identity.pk, "fingerprint": info["fingerprint"], "subject": info["subject"], "issuer": info["issuer"],
                    "not_after": info["not_after"].isoformat(), "active": activate, "development": development, "retires": retired,
                    "key": "callback" if callback else "file"},
                   record=identity)
    return identity


def identity_dev_init() -> tuple[SigningIdentity, dict]:
    """Make a development chain under SIGNING_KEYS_DIR and register it as the active identity."""
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    paths = ident.dev_chain_create(Path(settings.SIGNING_KEYS_DIR) / f"dev-{stamp}")
    identity = identity_register(name=f"dev-{stamp}", chain_pem=paths["chain"].read_text(), key_path=str(paths["key"]), development=True)
    return identity, paths


def _passphrase(env: str, path: str) -> bytes | None:
    if env:
        value = os.environ.get(env)
        if value is None:
            raise SigningError(f"The key's passphrase variable {env} is not set.")
        return value.encode()
    if path:
        return Path(path).read_bytes().strip()
    return None


def active_identity() -> SigningIdentity:
    """Return the identity outputs are signed with now; raise SigningError if there is none."""
    identity = SigningIdentity.objects.filter(active=True).first()
    if identity is None:
        raise SigningError("No active signing identity: run `manage.py signing init --dev`, or import the studio's chain.")
    return identity


def signer_for(identity: SigningIdentity) -> c2pa.Signer:
    """Return a c2pa signer for an identity: its key file, or its KMS/HSM callback."""
    callback = ident.callback_from_path(identity.callback) if identity.callback else None
    return ident.make_signer(chain_pem=identity.chain_pem, key_path=identity.key_path or None,
                             passphrase=_passphrase(identity.passphrase_env, identity.passphrase_file), callback=callback)


# --- Signing -------------------------------------------------------------------------------------


def reserved_uses_for(*, production, input_assets, talent_ids) -> tuple[frozenset[str], list[str]]:
    """The most restrictive reservation for an output: the production's default (every AI use
    reserved), the reservations on its inputs through any depth of lineage (and on their owners),
    and the training permissions of its talents' consents. Returns (uses, why)."""
    from .selectors import ancestors

    reserved, why = set(mf.TDM_USES), ["production default: every AI use reserved"]
    asset_ids = {a.pk for a in input_assets}
    asset_ids |= set(ancestors(*asset_ids))
    owners = set(Asset.objects.filter(pk__in=asset_ids, owner__isnull=False).values_list("owner_id", flat=True))
    current = reservations_in_force()
    for r in current.filter(asset_id__in=asset_ids) | current.filter(party_id__in=owners) | current.filter(talent_id__in=talent_ids):
        reserved |= set(r.uses)
        why.append(f"reservation {r.pk} on {r.subject_type} {r.asset_id or r.party_id or r.talent_id}")
    for c in rl.current_versions(ConsentRecord).filter(talent_id__in=talent_ids, production=production):
        if c.training_permission == "none":
            reserved |= set(vocab.TRAINING_USES)
            why.append(f"consent {c.pk} permits no training")
    return frozenset(reserved), why


def _thumbnail(image: Image.Image | None, data: bytes) -> bytes:
    """A JPEG thumbnail from the pixels the engine already holds (decoding only if it holds none).

    Subsample to twice the size, then filter: a full-frame box filter or a colour conversion
    copies a 4K frame, which costs more than signing it."""
    img = image if image is not None else open_image(data, max_pixels=settings.IMAGE_MAX_PIXELS)
    scale = THUMBNAIL_SIZE / max(img.size)
    size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    if scale < 0.5:
        img = img.resize((size[0] * 2, size[1] * 2), Image.Resampling.NEAREST)
        if img.mode not in ("L", "RGB", "RGBA"):
            img = img.convert("RGB")
        thumb = img.reduce(2)  # a 2x2 average: what a bilinear filter gives at half the size, five times faster
    else:
        thumb = img.resize(size, Image.Resampling.BILINEAR)
    if thumb.mode != "RGB":
        thumb = thumb.convert("RGB")
    buf = io.BytesIO()
    thumb.save(buf, "JPEG", quality=80)
    return buf.getvalue()


@functools.cache
def _builder_context() -> c2pa.Context:
    """The builders' settings, made once: we give the thumbnail, from pixels already decoded."""
    return c2pa.Context(settings=c2pa.Settings.from_dict({"builder": {"thumbnail": {"enabled": False}}}))


def sign_stream(*, source, dest, media_type: str, facts: mf.OutputFacts, ingredients: list[tuple[mf.Ingredient, object]], thumbnail: bytes,
                identity: SigningIdentity | None = None) -> tuple[dict, str, bytes]:
    """Sign a still or a clip, read from the source stream and written to the dest stream (files
    on disk for clips, so nothing is held whole in memory), with its manifest and a JPEG
    thumbnail; each ingredient is a binary stream c2pa reads itself. Returns (manifest definition,
    manifest label, manifest store bytes)."""
    _require_signable(media_type)
    identity = identity or active_identity()
    facts = mf.OutputFacts(**{**facts.__dict__, "thumbnail": "thumbnail.jpg"})
    definition = mf.build(facts)
    # Naming the manifest here spares reading the signed file back to learn its label.
    label = f"urn:c2pa:{uuid.uuid4()}"
    definition["label"] = label
    builder = c2pa.Builder(definition, context=_builder_context())
    builder.add_resource("thumbnail.jpg", io.BytesIO(thumbnail))
    for ingredient, stream in ingredients:
        builder.add_ingredient(mf.ingredient_definition(ingredient), ingredient.media_type, stream)
    store = builder.sign(signer_for(identity), media_type, source, dest)
    return definition, label, store


def _require_signable(media_type: str) -> None:
    if media_type not in mf.SIGNABLE:
        raise SigningError(f"Outputs in {media_type} cannot be signed; engines must produce one of {', '.join(sorted(mf.SIGNABLE))}.")


def sign_bytes(*, data: bytes, media_type: str, facts: mf.OutputFacts, ingredients: list[tuple[mf.Ingredient, object]] = (),
               image: Image.Image | None = None, identity: SigningIdentity | None = None) -> tuple[bytes, dict, str, bytes]:
    """Sign a still held in memory; each ingredient is a binary stream. Returns (signed bytes,
    manifest definition, manifest label, manifest store bytes)."""
    _require_signable(media_type)  # before the thumbnail decodes what may not be an image
    out = io.BytesIO()
    definition, label, store = sign_stream(source=io.BytesIO(data), dest=out, media_type=media_type, facts=facts, ingredients=list(ingredients),
                                           thumbnail=_thumbnail(image, data), identity=identity)
    return out.getvalue(), definition, label, store


def sign_file(*, source_path: str, dest_path: str, media_type: str, facts: mf.OutputFacts, ingredients: list[tuple[mf.Ingredient, object]],
              image: Image.Image, identity: SigningIdentity | None = None) -> tuple[dict, str, bytes]:
    """Sign a file on disk into another, both opened as streams (c2pa reads and hashes the source
    as it goes, so a clip's size does not matter to memory). image: its first frame, for the
    thumbnail."""
    with open(source_path, "rb") as src, open(dest_path, "w+b") as dst:
        return sign_stream(source=src, dest=dst, media_type=media_type, facts=facts, ingredients=ingredients,
                           thumbnail=_thumbnail(image, b""), identity=identity)


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


def output_sign(*, request, decision, result) -> tuple[bytes, str, dict]:
    """Sign a generation's output: the manifest names the decision and the ledger entry and
    checkpoint that prove it. Returns (the signed bytes of a still, or the path of a signed clip,
    media type, what to record)."""
    from rightsledger.ledger import checkpoints, proofs

    media_type = result.media_type
    if media_type not in mf.SIGNABLE:
        raise SigningError(f"The engine produced {media_type}; only {', '.join(sorted(mf.SIGNABLE))} outputs are signed and recorded.")
    inputs = list(request.inputs.select_related("asset").order_by("position"))
    talent_ids = set(request.talents.values_list("id", flat=True))
    reserved, why = reserved_uses_for(production=request.production, input_assets=[i.asset for i in inputs], talent_ids=talent_ids)
    ledger = {"seq": decision.ledger_seq}
    entry = LedgerEntry.objects.filter(seq=decision.ledger_seq).first()
    if entry is not None:
        ledger["leaf_hash"] = bytes(entry.leaf_hash).hex()
    # Publish now (a worker, not a web request) so the file can carry the checkpoint that covers
    # its decision, and its inclusion proof.
    try:
        checkpoint = checkpoints.ledger_publish() or checkpoints.latest_checkpoint()
        leaf = proofs.leaf_for(seq=decision.ledger_seq)
        if checkpoint is not None and leaf.index < checkpoint.size:
            ledger.update(
                leaf_index=leaf.index,
                checkpoint={"origin": settings.LEDGER_ORIGIN, "size": checkpoint.size, "root": bytes(checkpoint.root).hex()},
                inclusion_proof=[h.hex() for h in proofs.inclusion_proof(leaf, checkpoint.size)],
            )
    except Exception as exc:  # the proof can always be fetched later; signing must not wait on it
        log.warning("output of request %s signed without a checkpoint: %s", request.pk, exc)
    consents = []
    for r in decision.reasons:
        for ref in r.get("records", []):
            if ref["type"] == "consent":
                e = LedgerEntry.objects.filter(seq=ref["seq"]).first()
                consents.append({"id": ref["id"], "seq": ref["seq"], "leaf_hash": bytes(e.leaf_hash).hex() if e else None})
    facts = mf.OutputFacts(
        title=output_title(request),
        engine=request.engine,
        engine_version=request.engine_version,
        generator_version=VERSION,
        ingredients=tuple(
            mf.Ingredient(title=ingredient_title(request.production, i), media_type=i.asset.media_type, role=i.role, asset_id=i.asset_id,
                          sha256=i.asset.sha256, frames=i.frames)
            for i in inputs
        ),
        reserved_uses=reserved,
        decision={
            "request": request.pk,
            "decision": decision.pk,
            "outcome": decision.outcome,
            "ledger": ledger,
            "consents": sorted({c["id"]: c for c in consents}.values(), key=lambda c: c["id"]),
            "signed_at": timezone.now().isoformat(),
        },
    )
    from . import fingerprint as fp

    # The output's fingerprints, once, from the engine's pixels: the pHash of the whole image (a
    # clip's first frame) is the soft binding; the pHashes and embeddings (a clip's at keyframes)
    # are stored with the output and serve the likeness check and training clearance.
    clip = media_type in mf.CLIPS
    pixels = result.image
    if pixels is None:
        pixels = open_image(result.data, max_pixels=settings.IMAGE_MAX_PIXELS)
    phashes = fp.phash_variants(pixels)
    soft = phashes["full"]
    if clip:
        keyframes = fp.keyframe_prints(
            result.path, settings.VIDEO_KEYFRAME_SECONDS, embeddings=bool(settings.CLIP_WEIGHTS)
        )
        phashes.update({f"t{k.seconds:g}": k.phash for k in keyframes})
        embeddings = [(k.seconds, k.embedding) for k in keyframes] if settings.CLIP_WEIGHTS else []
    else:
        embeddings = [(None, fp.embed([pixels])[0])] if settings.CLIP_WEIGHTS else []
    facts = mf.OutputFacts(**{**facts.__dict__, "soft_binding": (soft & ((1 << 64) - 1)).to_bytes(8, "big")})
    identity = active_identity()
    streams = [i.asset.file.storage.open(i.asset.file.name, "rb") for i in inputs]
    try:
        ingredients = list(zip(facts.ingredients, streams))
        if clip:
            # From the engine's file to a signed file beside it; the caller stores it and removes both.
            signed = result.path[: -len(".mp4")] + ".signed." + mf.SIGNABLE[media_type]
            definition, label, store = sign_file(source_path=result.path, dest_path=signed, media_type=media_type, facts=facts,
                                                 ingredients=ingredients, image=pixels, identity=identity)
        else:
            data = mf.add_xmp(result.data, media_type, mf.xmp_packet(reserved))
            signed, definition, label, store = sign_bytes(data=data, media_type=media_type, facts=facts, ingredients=ingredients,
                                                          image=result.image, identity=identity)
    finally:
        for stream in streams:
            stream.close()
    return signed, media_type, {"identity": identity, "manifest": definition, "label": label, "reserved": reserved, "why": why, "store": store,
                                "soft_binding": soft, "phashes": phashes, "embeddings": embeddings}


def output_record(*, asset: Asset, signing: dict) -> SignedOutput:
    """Record the signing of an output and the output's reservation; return the signing."""
    with recording(actor="system:worker") as rec:
        signed = SignedOutput.objects.create(asset=asset, identity=signing["identity"], manifest_label=signing["label"], manifest=signing["manifest"],
                                             manifest_store=signing.get("store") or b"", soft_binding=signing.get("soft_binding"))
        binding = [("binding", signed.soft_binding)] if signed.soft_binding is not None else []
        _store_fingerprints(asset, binding + list((signing.get("phashes") or {}).items()), signing.get("embeddings") or [])
        rec.append("provenance.output_signed",
                   {"signed_output": signed.pk, "asset": asset.pk, "sha256": asset.sha256, "manifest": signing["label"], "identity": signing["identity"].fingerprint},
                   record=signed, production=asset.production)
        rl.reservation_create(
            actor="system:worker", studio=asset.production.studio, subject_type="asset", asset=asset, uses=sorted(signing["reserved"]),
            source="lineage", effective_date=datetime.date.today(), note="; ".join(signing["why"])[:2000],
        )
    return signed


# --- Credentials read at ingest ----------------------------------------------------------------


def trust_context() -> c2pa.Context:
    """A reading context that verifies trust against the roots in C2PA_TRUST_ANCHORS (and, with
    C2PA_TRUST_DEVELOPMENT_ROOTS, the development roots made beside development identities' keys)."""
    paths = [Path(p) for p in settings.C2PA_TRUST_ANCHORS if p]
    if settings.C2PA_TRUST_DEVELOPMENT_ROOTS:
        keys = SigningIdentity.objects.filter(development=True).exclude(key_path="").values_list("key_path", flat=True)
        paths += [root for root in (Path(k).with_name("root.pem") for k in keys) if root.exists()]
    anchors = "".join(p.read_text() for p in dict.fromkeys(paths))
    config = {"verify": {"verify_trust": True}}
    if anchors:
        config["trust"] = {"trust_anchors": anchors}
    return c2pa.Context(settings=c2pa.Settings.from_dict(config))


def read_store(data: bytes, media_type: str) -> dict | None:
    """Return the manifest store of a file, validated against the trusted roots; None if it has none."""
    try:
        reader = c2pa.Reader(media_type, io.BytesIO(data), context=trust_context())
    except c2pa.C2paError as exc:
        if "ManifestNotFound" in type(exc).__name__ or "not found" in str(exc).lower() or "NotSupported" in type(exc).__name__:
            return None
        return {"error": str(exc), "validation_state": "Invalid"}
    store = json.loads(reader.json())
    store["validation_state"] = reader.get_validation_state()
    store["validation_results"] = reader.get_validation_results() or {}
    return store


def asset_ingest_credentials(*, asset: Asset) -> AssetCredential | None:
    """Read, validate and keep an ingested asset's Content Credentials. Its training-mining
    assertion becomes a reservation; ingredients that are our outputs become lineage edges."""
    if asset.origin == "generated" or AssetCredential.objects.filter(asset=asset).exists():
        return None
    with asset.file.open("rb") as fh:
        data = fh.read()
    store = read_store(data, asset.media_type)
    if store is None:
        return None
    failures = [f.get("code") for f in (store.get("validation_results", {}).get("activeManifest", {}) or {}).get("failure", [])]
    failures = list(dict.fromkeys(failures))[:MAX_ITEMS]  # each code once, bounded: the ledger entry lists them
    tdm = training_mining_of(store) if "error" not in store else {}
    with recording(actor="system:worker") as rec:
        credential = AssetCredential.objects.create(
            asset=asset, validation_state=store.get("validation_state") or "Invalid", failures=failures,
            active_manifest=store.get("active_manifest") or "", manifest_store=store, training_mining=tdm,
        )
        rec.append("provenance.credentials_read",
                   {"asset_credential": credential.pk, "asset": asset.pk, "validation_state": credential.validation_state,
                    "failures": failures, "active_manifest": credential.active_manifest, "training_mining": tdm},
                   record=credential, production=asset.production)
        reserved = sorted(use for use, v in tdm.items() if v == "notAllowed" and use in mf.TDM_USES)
        if reserved:
            rl.reservation_create(actor="system:worker", studio=asset.production.studio, subject_type="asset", asset=asset, uses=reserved,
                                  source="embedded_c2pa", effective_date=datetime.date.today(),
                                  note=f"From the file's Content Credentials ({store.get('active_manifest')}).")
        manifest = store.get("manifests", {}).get(store.get("active_manifest"), {})
        labels = [i["active_manifest"] for i in manifest.get("ingredients", []) if i.get("active_manifest")]
        parents = [(s.asset, "ingredient") for s in SignedOutput.objects.filter(manifest_label__in=labels).select_related("asset").order_by("id")]
        lineage_record_many(rec, child=asset, parents=parents)
    return credential


# --- Fingerprints --------------------------------------------------------------------------------


def asset_fingerprint(*, asset: Asset) -> bool:
    """Compute and store an image's perceptual hashes and (with CLIP_WEIGHTS) its embedding, or
    a video's for keyframes at a fixed interval (replacing old ones)."""
    from . import fingerprint as fp
    from .models import Fingerprint, PerceptualHash

    if not asset.media_type.startswith(("image/", "video/")):
        return False
    with asset.file.open("rb") as fh:
        data = fh.read()
    if asset.media_type.startswith("video/"):
        keyframes = fp.keyframe_prints(
            data, settings.VIDEO_KEYFRAME_SECONDS, embeddings=bool(settings.CLIP_WEIGHTS)
        )
        hashes = [(f"t{k.seconds:g}", k.phash) for k in keyframes]
        embeddings = [(k.seconds, k.embedding) for k in keyframes] if settings.CLIP_WEIGHTS else []
    elif settings.CLIP_WEIGHTS:
        prints = fp.fingerprint(data)
        hashes = list(prints.phashes.items())
        embeddings = [(None, prints.embedding)]
    else:
        from .phash import load

        try:
            hashes, embeddings = list(fp.phash_variants(load(data)).items()), []
        except (OSError, ValueError):
            return False
    with transaction.atomic():
        PerceptualHash.objects.filter(asset=asset).exclude(variant="binding").delete()
        Fingerprint.objects.filter(asset=asset).delete()
        _store_fingerprints(asset, hashes, embeddings)
    return True


def _store_fingerprints(asset: Asset, hashes: list[tuple[str, int]], embeddings: list) -> None:
    """Store an asset's perceptual hashes and its embeddings (two inserts)."""
    from .models import Fingerprint, PerceptualHash

    PerceptualHash.objects.bulk_create([PerceptualHash(asset=asset, variant=variant, hash=value) for variant, value in hashes])
    Fingerprint.objects.bulk_create([
        Fingerprint(asset=asset, frame_seconds=t, model=settings.CLIP_MODEL, dims=len(e), embedding=e.astype("float32").tobytes())
        for t, e in embeddings
    ])
