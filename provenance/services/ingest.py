"""What is read from an asset as it is ingested: its Content Credentials (a training-mining
assertion becomes a reservation, our outputs among its ingredients lineage edges), and its
fingerprints (perceptual hashes, and with CLIP_WEIGHTS embeddings)."""

import datetime

from django.conf import settings
from django.db import transaction

from rightsledger import services as rl
from rightsledger.input_policy import MAX_ITEMS
from rightsledger.ledger.append import recording
from rightsledger.ledger.entry_types import EntryType
from rightsledger.models import Asset

from .. import fingerprint as fp
from .. import manifest as mf
from ..credentials import read_store
from ..embedded import training_mining_of
from ..models import AssetCredential, Fingerprint, PerceptualHash, SignedOutput
from ..phash import load
from .lineage import lineage_record_many


def asset_ingest_credentials(*, asset: Asset) -> AssetCredential | None:
    """Read, validate and keep an ingested asset's Content Credentials. Its training-mining
    assertion becomes a reservation; ingredients that are our outputs become lineage edges."""
    if asset.origin == "generated" or AssetCredential.objects.filter(asset=asset).exists():
        return None
    with asset.file.storage.open(asset.file.name, "rb") as fh:
        store = read_store(fh, asset.media_type)  # a stream: a clip is not read whole into memory
    if store is None:
        return None
    failures = [
        f.get("code")
        for f in (store.get("validation_results", {}).get("activeManifest", {}) or {}).get("failure", [])
    ]
    failures = list(dict.fromkeys(failures))[
        :MAX_ITEMS
    ]  # each code once, bounded: the ledger entry lists them
    tdm = training_mining_of(store) if "error" not in store else {}
    with recording(actor="system:worker") as rec:
        credential = AssetCredential.objects.create(
            asset=asset,
            validation_state=store.get("validation_state") or "Invalid",
            failures=failures,
            active_manifest=store.get("active_manifest") or "",
            manifest_store=store,
            training_mining=tdm,
        )
        rec.append(
            EntryType.PROVENANCE_CREDENTIALS_READ,
            {
                "asset_credential": credential.pk,
                "asset": asset.pk,
                "validation_state": credential.validation_state,
                "failures": failures,
                "active_manifest": credential.active_manifest,
                "training_mining": tdm,
            },
            record=credential,
            production=asset.production,
        )
        reserved = sorted(use for use, v in tdm.items() if v == "notAllowed" and use in mf.TDM_USES)
        if reserved:
            rl.reservation_create(
                actor="system:worker",
                studio=asset.production.studio,
                subject_type="asset",
                asset=asset,
                uses=reserved,
                source="embedded_c2pa",
                effective_date=datetime.date.today(),
                note=f"From the file's Content Credentials ({store.get('active_manifest')}).",
            )
        manifest = store.get("manifests", {}).get(store.get("active_manifest"), {})
        labels = [i["active_manifest"] for i in manifest.get("ingredients", []) if i.get("active_manifest")]
        parents = [
            (s.asset, "ingredient")
            for s in SignedOutput.objects.filter(manifest_label__in=labels)
            .select_related("asset")
            .order_by("id")
        ]
        lineage_record_many(rec, child=asset, parents=parents)
    return credential


# --- Fingerprints --------------------------------------------------------------------------------


def asset_fingerprint(*, asset: Asset) -> bool:
    """Compute and store an image's perceptual hashes and (with CLIP_WEIGHTS) its embedding, or
    a video's for keyframes at a fixed interval (replacing old ones)."""
    if not asset.media_type.startswith(("image/", "video/")):
        return False
    if asset.media_type.startswith("video/"):
        # A clip is decoded from the stored file as a stream, never read whole into memory.
        with asset.file.storage.open(asset.file.name, "rb") as fh:
            keyframes = fp.keyframe_prints(
                fh, settings.VIDEO_KEYFRAME_SECONDS, embeddings=bool(settings.CLIP_WEIGHTS)
            )
        hashes = [(f"t{k.seconds:g}", k.phash) for k in keyframes]
        embeddings = [(k.seconds, k.embedding) for k in keyframes] if settings.CLIP_WEIGHTS else []
    else:
        with asset.file.storage.open(asset.file.name, "rb") as fh:
            data = fh.read()  # an image, decoded whole in any case
        if settings.CLIP_WEIGHTS:
            prints = fp.fingerprint(data)
            hashes = list(prints.phashes.items())
            embeddings = [(None, prints.embedding)]
        else:
            try:
                hashes, embeddings = list(fp.phash_variants(load(data)).items()), []
            except (OSError, ValueError):
                return False
    with transaction.atomic():
        PerceptualHash.objects.filter(asset=asset).exclude(variant="binding").delete()
        Fingerprint.objects.filter(asset=asset).delete()
        store_fingerprints(asset, hashes, embeddings)
    return True


def store_fingerprints(asset: Asset, hashes: list[tuple[str, int]], embeddings: list) -> None:
    """Store an asset's perceptual hashes and its embeddings (two inserts)."""
    PerceptualHash.objects.bulk_create(
        [PerceptualHash(asset=asset, variant=variant, hash=value) for variant, value in hashes]
    )
    Fingerprint.objects.bulk_create(
        [
            Fingerprint(
                asset=asset,
                frame_seconds=t,
                model=settings.CLIP_MODEL,
                dims=len(e),
                embedding=e.astype("float32").tobytes(),
            )
            for t, e in embeddings
        ]
    )
