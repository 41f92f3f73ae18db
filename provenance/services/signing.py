"""Signing stills and clips with Content Credentials: the reservation an output carries, its
thumbnail, and the c2pa builder over streams."""

import functools
import io
import logging
import uuid
from pathlib import Path

import c2pa
from django.conf import settings
from PIL import Image

from rightsledger import services as rl
from rightsledger import vocab
from rightsledger.imaging import open_image
from rightsledger.models import Asset, ConsentRecord
from rightsledger.selectors import reservations_in_force

from .. import manifest as mf
from .. import tsa
from ..models import SigningIdentity
from ..selectors import ancestors
from .identities import SigningError, active_identity, signer_for

THUMBNAIL_SIZE = 256

log = logging.getLogger(__name__)


def reserved_uses_for(*, production, input_assets, talent_ids) -> tuple[frozenset[str], list[str]]:
    """The most restrictive reservation for an output: the production's default (every AI use
    reserved), the reservations on its inputs through any depth of lineage (and on their owners),
    and the training permissions of its talents' consents. Returns (uses, why)."""
    reserved, why = set(mf.TDM_USES), ["production default: every AI use reserved"]
    asset_ids = {a.pk for a in input_assets}
    asset_ids |= set(ancestors(*asset_ids))
    owners = set(
        Asset.objects.filter(pk__in=asset_ids, owner__isnull=False).values_list("owner_id", flat=True)
    )
    current = reservations_in_force()
    for r in (
        current.filter(asset_id__in=asset_ids)
        | current.filter(party_id__in=owners)
        | current.filter(talent_id__in=talent_ids)
    ):
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
        thumb = img.reduce(
            2
        )  # a 2x2 average: what a bilinear filter gives at half the size, five times faster
    else:
        thumb = img.resize(size, Image.Resampling.BILINEAR)
    if thumb.mode != "RGB":
        thumb = thumb.convert("RGB")
    buf = io.BytesIO()
    thumb.save(buf, "JPEG", quality=80)
    return buf.getvalue()


# The builders' settings: we give the thumbnail, from pixels already decoded; and c2pa does not
# read the signed file back to validate it (verify_after_sign), which hashed a clip a second time
# (a 1 GB clip: 46 s with it, 37 s without, on loaded cores). The signed bytes are the same either
# way; the tests read signed outputs back with c2pa's reader, as `manage.py verify` does.
BUILDER_SETTINGS = {"builder": {"thumbnail": {"enabled": False}}, "verify": {"verify_after_sign": False}}


@functools.cache
def _builder_context() -> c2pa.Context:
    """The builders' settings (BUILDER_SETTINGS), made once."""
    return c2pa.Context(settings=c2pa.Settings.from_dict(BUILDER_SETTINGS))


def sign_stream(
    *,
    source,
    dest,
    media_type: str,
    facts: mf.OutputFacts,
    ingredients: list[tuple[mf.Ingredient, object]],
    thumbnail: bytes,
    identity: SigningIdentity | None = None,
) -> tuple[dict, str, bytes]:
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

    def build() -> c2pa.Builder:  # a builder signs once: a second try needs a new one
        builder = c2pa.Builder(definition, context=_builder_context())
        builder.add_resource("thumbnail.jpg", io.BytesIO(thumbnail))
        for ingredient, stream in ingredients:
            stream.seek(0)
            builder.add_ingredient(mf.ingredient_definition(ingredient), ingredient.media_type, stream)
        return builder

    tsa_url = tsa_url_in_use()
    if not tsa_url and settings.C2PA_TSA_REQUIRED:
        raise SigningError(
            "No time-stamp authority is configured: set C2PA_TSA_URL to an RFC 3161 TSA "
            "(or C2PA_TSA_REQUIRED=0 to sign without a time-stamp)."
        )
    try:
        store = build().sign(signer_for(identity, tsa_url=tsa_url), media_type, source, dest)
    except c2pa.C2paError as exc:
        if not (tsa_url and _tsa_failed(exc)):
            raise
        if settings.C2PA_TSA_REQUIRED:
            raise SigningError(
                f"The time-stamp authority at {tsa_url} did not answer ({exc}); nothing was signed. "
                "Retry once it answers."
            ) from exc
        log.warning("signed without a time-stamp: the TSA at %s did not answer (%s)", tsa_url, exc)
        for stream in (source, dest):
            stream.seek(0)
        dest.truncate()
        store = build().sign(signer_for(identity), media_type, source, dest)
    return definition, label, store


def tsa_url_in_use() -> str:
    """The time-stamp authority signatures are sent to: C2PA_TSA_URL, else (C2PA_DEVELOPMENT_TSA)
    the development TSA, started in this process the first time; "" for none."""
    if settings.C2PA_TSA_URL:
        return settings.C2PA_TSA_URL
    return (
        _development_tsa(Path(settings.SIGNING_KEYS_DIR) / "dev-tsa") if settings.C2PA_DEVELOPMENT_TSA else ""
    )


@functools.cache
def _development_tsa(directory: Path) -> str:
    _, url = tsa.dev_start(directory)
    log.debug("time-stamps come from the development TSA at %s (untrusted, on this machine)", url)
    return url


def _tsa_failed(exc: c2pa.C2paError) -> bool:
    """Return whether c2pa's signing error is the time-stamp authority's: not reached, or an
    HTTP error or an unreadable reply from it."""
    text = str(exc).lower()
    return any(word in text for word in ("http", "timestamp", "time stamp", "time-stamp", "tsa"))


def _require_signable(media_type: str) -> None:
    if media_type not in mf.SIGNABLE:
        raise SigningError(
            f"Outputs in {media_type} cannot be signed; engines "
            f"must produce one of {', '.join(sorted(mf.SIGNABLE))}."
        )


def sign_bytes(
    *,
    data: bytes,
    media_type: str,
    facts: mf.OutputFacts,
    ingredients: list[tuple[mf.Ingredient, object]] = (),
    image: Image.Image | None = None,
    identity: SigningIdentity | None = None,
) -> tuple[bytes, dict, str, bytes]:
    """Sign a still held in memory; each ingredient is a binary stream. Returns (signed bytes,
    manifest definition, manifest label, manifest store bytes)."""
    _require_signable(media_type)  # before the thumbnail decodes what may not be an image
    out = io.BytesIO()
    definition, label, store = sign_stream(
        source=io.BytesIO(data),
        dest=out,
        media_type=media_type,
        facts=facts,
        ingredients=list(ingredients),
        thumbnail=_thumbnail(image, data),
        identity=identity,
    )
    return out.getvalue(), definition, label, store


def sign_file(
    *,
    source_path: str,
    dest_path: str,
    media_type: str,
    facts: mf.OutputFacts,
    ingredients: list[tuple[mf.Ingredient, object]],
    image: Image.Image,
    identity: SigningIdentity | None = None,
) -> tuple[dict, str, bytes]:
    """Sign a file on disk into another, both opened as streams (c2pa reads and hashes the source
    as it goes, so a clip's size does not matter to memory). image: its first frame, for the
    thumbnail."""
    try:
        with open(source_path, "rb") as src, open(dest_path, "w+b") as dst:
            return sign_stream(
                source=src,
                dest=dst,
                media_type=media_type,
                facts=facts,
                ingredients=ingredients,
                thumbnail=_thumbnail(image, b""),
                identity=identity,
            )
    except BaseException:
        Path(dest_path).unlink(missing_ok=True)  # no half-signed (or unstamped) file is left behind
        raise
