"""Assets: registering a file of a production, stored once by its SHA-256 (content-addressed),
after its bytes are checked (rightsledger.media)."""

from django.db import IntegrityError, transaction

from rightsledger.ledger.entry_types import EntryType

from .. import validation as v
from .. import vocab
from ..errors import Errors
from ..ledger.append import recording
from ..media import inspect_upload_file
from ..models import Asset, Party, Production, Talent
from ..personal import record_commitments
from ..signals import asset_registered
from .records import user_or_none
from .storage import content_unstore_unless_used, store_content


def _asset_payload(asset: Asset) -> dict:
    return {
        "asset": asset.pk,
        "sha256": asset.sha256,
        "production": asset.production_id,
        "kind": asset.kind,
        "media_type": asset.media_type,
        "size": asset.size,
        "owner": asset.owner_id,
        "talent": asset.talent_id,
        "origin": asset.origin,
        **(
            {
                "clip": {
                    "duration_seconds": asset.duration_seconds,
                    "frame_rate": asset.frame_rate,
                    "frame_count": asset.frame_count,
                    "codec": asset.codec,
                    "width": asset.width,
                    "height": asset.height,
                }
            }
            if asset.frame_count is not None
            else {}
        ),
        **record_commitments(asset),  # its title and file name
    }


def asset_register(
    *,
    actor,
    production: Production,
    upload,
    kind: str,
    owner: Party | None = None,
    talent: Talent | None = None,
    title: str = "",
    origin: str = "ingested",
    dimensions: tuple[int, int] | None = None,
) -> tuple[Asset, bool]:
    """Register a file as an asset of the production. Return (asset, created).

    The same bytes registered again in the same production return the existing asset. A
    generated output's dimensions may be given (those of the engine's pixels), which spares
    decoding the image this service has just encoded.
    """
    errors = Errors()
    v.choice(errors, "kind", kind, vocab.ASSET_KINDS)
    if owner is not None and owner.studio_id != production.studio_id:
        errors.add("owner", "owner_other_studio", "The owner must be a party of this production's studio.")
    if kind == "likeness_reference" and talent is None:
        errors.add("talent", "required", "A likeness reference must name the performer it shows (talent).")
    if kind != "likeness_reference" and talent is not None:
        errors.add(
            "talent",
            "talent_not_likeness",
            "Only a likeness reference names a performer; leave talent empty for this kind.",
        )
    v.text(errors, "title", title, limit=200)
    v.text(errors, "file", getattr(upload, "name", "") or "", limit=255)  # kept as the original file name
    errors.raise_if_any()
    # The content as a temporary file (in memory while small, on the local disk past that): a
    # clip is checked and uploaded from it in chunks, never held whole in memory.
    info, content = inspect_upload_file(
        upload, kind=kind, dimensions=dimensions if origin == "generated" else None
    )
    with content:
        existing = Asset.objects.filter(production=production, sha256=info.sha256).first()
        if existing:
            return existing, False
        name, written = store_content(info.sha256, content, info.size)
    try:
        with recording(actor=actor) as rec:
            asset = Asset.objects.create(
                production=production,
                sha256=info.sha256,
                kind=kind,
                media_type=info.media_type,
                size=info.size,
                width=info.width,
                height=info.height,
                **(
                    {
                        "duration_seconds": info.clip.duration_seconds,
                        "frame_rate": info.clip.frame_rate,
                        "frame_count": info.clip.frame_count,
                        "codec": info.clip.codec,
                    }
                    if info.clip
                    else {}
                ),
                original_filename=(getattr(upload, "name", "") or "")[:255],
                title=title,
                owner=owner,
                talent=talent,
                file=name,
                origin=origin,
                created_by=user_or_none(actor),
            )
            rec.append(EntryType.ASSET_REGISTERED, _asset_payload(asset), record=asset, production=production)
    except IntegrityError:
        # Registered concurrently by another request: same bytes, same asset.
        return Asset.objects.get(production=production, sha256=info.sha256), False
    except Exception:
        if written:
            transaction.on_commit(
                lambda: content_unstore_unless_used(info.sha256)
            )  # at once outside a transaction; after the outer one commits inside
        raise
    transaction.on_commit(lambda: asset_registered.send(sender=Asset, asset_id=asset.pk, origin=origin))
    return asset, True
