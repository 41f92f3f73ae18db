"""Thumbnails: an asset's small picture, made once from its stored bytes (rightsledger.thumbnails)
and stored content-addressed beside the assets. Not a fact of the ledger: derived, as an asset's
fingerprints are, and made again from the asset if it were lost."""

import hashlib
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from ..imaging import ImageRefused
from ..models import Asset, Thumbnail, thumbnail_name
from ..thumbnails import can_picture, picture_of

log = logging.getLogger(__name__)

NO_PICTURE = "A file of this type has no picture."
NOT_DECODED = "The file could not be decoded to make a picture of it."


def _stored(data: bytes) -> tuple[str, str]:
    """Store a thumbnail's bytes content-addressed (the same bytes once); return (name, sha256)."""
    sha = hashlib.sha256(data).hexdigest()
    name = thumbnail_name(sha)
    if default_storage.exists(name) and default_storage.size(name) == len(data):
        return name, sha
    if default_storage.exists(name):
        default_storage.delete(name)  # left short by a failed write
    return default_storage.save(name, ContentFile(data)), sha


def thumbnail_make(*, asset: Asset) -> Thumbnail:
    """Return the asset's thumbnail, made now if it has none: once per asset, however often it is
    asked for (a task run twice, the backfill beside the task). A file with no picture (audio) or
    one that does not decode gets a row with no file and the reason, and is not tried again."""
    found = Thumbnail.objects.filter(asset=asset).first()
    if found is not None:
        return found
    fields: dict = {}
    if not can_picture(asset.media_type):
        fields["problem"] = NO_PICTURE
    else:
        with asset.file.open("rb") as fh:
            data = fh.read()
        try:
            picture = picture_of(
                data,
                asset.media_type,
                max_pixels=settings.IMAGE_MAX_PIXELS,
                max_frames=settings.VIDEO_MAX_FRAMES,
            )
        except ImageRefused as exc:  # and VideoRefused: over the limits, which registration applied too
            fields["problem"] = exc.message[:300]
        except Exception:  # noqa: BLE001  (Pillow's and PyAV's errors are many; the reason is kept)
            log.warning("no thumbnail for asset %s", asset.pk, exc_info=True)
            fields["problem"] = NOT_DECODED
        else:
            name, sha = _stored(picture.data)
            fields.update(
                file=name,
                sha256=sha,
                media_type=picture.media_type,
                width=picture.width,
                height=picture.height,
            )
    try:
        with transaction.atomic():
            return Thumbnail.objects.create(asset=asset, **fields)
    except IntegrityError:  # made at the same time by another run: the same picture, kept once
        return Thumbnail.objects.get(asset=asset)


def assets_without_thumbnail():
    """Return the assets that have no thumbnail yet, oldest first."""
    return Asset.objects.filter(thumbnail__isnull=True).order_by("id")


def thumbnails_backfill(*, limit: int | None = None) -> int:
    """Make the thumbnails of assets registered before thumbnails were made (or whose task was
    lost), up to limit; return how many were made."""
    ids = list(assets_without_thumbnail().values_list("pk", flat=True)[:limit])
    for asset in Asset.objects.filter(pk__in=ids).order_by("id"):
        thumbnail_make(asset=asset)
    return len(ids)
