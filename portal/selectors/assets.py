"""The assets pages: lists, pictures (thumbnails), an asset's page and its near copies."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.urls import reverse

from generation import selectors as gen_selectors
from provenance import lineage
from provenance.models import AssetCredential, FaceScan, PerceptualHash
from provenance.similarity import near_by_phash
from rightsledger import selectors as rl_selectors
from rightsledger.models import Thumbnail
from rightsledger.thumbnails import can_picture

FINGERPRINT_MATCHES_MAX = 20


def asset_list(user, production):
    """Return the production's assets the user may see, newest first, with owner, performer and
    thumbnail, each marked withheld where it is an output held for clearance (no picture shown)."""
    return (
        rl_selectors.assets_for(user)
        .filter(production=production)
        .select_related("owner", "talent", "thumbnail")
        .annotate(withheld=Exists(gen_selectors.withheld_output_assets().filter(asset_id=OuterRef("pk"))))
        .order_by("-id")
    )


@dataclass(frozen=True)
class AssetPicture:
    """What an asset's page shows for its picture: ready (url and alt), making (a placeholder
    that the page polls), none (a sentence why), or withheld (an output held for clearance)."""

    state: str
    url: str = ""
    alt: str = ""
    width: int | None = None
    height: int | None = None
    message: str = ""


def picture_alt(asset) -> str:
    """The words that stand for an asset's picture: what it is a picture of."""
    name = asset.title or asset.original_filename or f"asset A-{asset.pk}"
    return f"A frame of the clip {name}" if asset.frame_count else f"The picture {name}"


def asset_thumbnail(asset):
    """Return the asset's thumbnail if one was made with a picture; None otherwise."""
    thumbnail = getattr(asset, "thumbnail", None) if _has_thumbnail(asset) else None
    return thumbnail if thumbnail is not None and thumbnail.file else None


def _has_thumbnail(asset) -> bool:
    try:
        asset.thumbnail  # noqa: B018  (a reverse one-to-one: raises where there is none)
    except Thumbnail.DoesNotExist:
        return False
    return True


def asset_picture(user, asset) -> AssetPicture:
    """Return the asset page's picture: its thumbnail once made, a placeholder while it is being
    made, a sentence where there is none, or that it is withheld for clearance."""
    if gen_selectors.withheld_output_assets().filter(asset_id=asset.pk).exists():
        return AssetPicture("withheld", message="This output is held for clearance: its picture is withheld.")
    thumbnail = asset_thumbnail(asset)
    if thumbnail is not None:
        url = reverse("portal:asset_thumbnail", args=[asset.pk])
        return AssetPicture("ready", url, picture_alt(asset), thumbnail.width, thumbnail.height)
    if _has_thumbnail(asset):
        return AssetPicture("none", message=f"No preview: {asset.thumbnail.problem}")
    if not can_picture(asset.media_type):
        return AssetPicture("none", message="No preview: a file of this type has no picture.")
    return AssetPicture("making", message="Preview being made. It appears here in a moment.")


def asset_page(user, asset) -> dict:
    """Return an asset's page: the current grants, consents and reservations that cover it, its
    Content Credentials as read at ingest, its near copies and its lineage."""
    current = {"replaced_by__isnull": True}
    return {
        "asset": asset,
        "grants": rl_selectors.grants_for(user).filter(assets=asset, **current),
        "consents": rl_selectors.consents_for(user).filter(talent_id=asset.talent_id, **current)
        if asset.talent_id
        else [],
        "reservations": rl_selectors.reservations_for(user).filter(asset=asset, **current),
        "picture": asset_picture(user, asset),
        "credential": AssetCredential.objects.filter(asset=asset).first(),
        "face_scan": FaceScan.objects.filter(asset=asset).first(),
        "matches": fingerprint_matches(user, asset),
        "lineage": lineage.lineage_for(user, asset.pk),
    }


def fingerprint_matches(user, asset):
    """Return other assets the user may see within PHASH_MAX_DISTANCE of any of this one's pHashes."""
    mine = list(PerceptualHash.objects.filter(asset=asset).values_list("hash", flat=True))
    near = set().union(*near_by_phash(mine)) - {asset.pk} if mine else set()
    return rl_selectors.assets_for(user).filter(pk__in=near).order_by("id")[:FINGERPRINT_MATCHES_MAX]
