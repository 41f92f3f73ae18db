"""The names files are downloaded under: words a person can file away, never a hash. An output is
named for its production, shot, intended use and request (EP102_SH0010_set_extension_r5.png), an
asset keeps the name it was uploaded with; the extension always comes from the media type read
from the file's bytes at registration, whatever the name said."""

import re

from django.utils.text import slugify

# The extension of each media type the service stores (rightsledger.media reads them from the bytes).
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/tiff": "tif",
    "image/webp": "webp",
    "image/gif": "gif",
    "image/x-exr": "exr",
    "image/bmp": "bmp",
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/x-matroska": "mkv",
    "video/webm": "webm",
    "audio/x-wav": "wav",
    "audio/wav": "wav",
    "audio/mpeg": "mp3",
    "audio/x-flac": "flac",
    "audio/flac": "flac",
    "audio/aac": "aac",
    "audio/mp4": "m4a",
    "audio/ogg": "ogg",
    "application/pdf": "pdf",
}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def extension_for(media_type: str) -> str:
    """Return the usual extension of a media type ("bin" for one this service does not store)."""
    return EXTENSIONS.get((media_type or "").split(";")[0].strip().lower(), "bin")


def name_part(text: str) -> str:
    """Return text as a part of a file name: letters, digits, dots, hyphens and underscores."""
    return _UNSAFE.sub("-", str(text or "")).strip("-._")


def with_extension(name: str, media_type: str) -> str:
    """Return a file name whose extension is the one of its media type (the bytes' word, not the
    name's): "plate.JPG" of a PNG becomes "plate.png"."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or "/" in ext or len(ext) > 5:
        stem = name
    return f"{stem}.{extension_for(media_type)}"


def asset_download_name(asset) -> str:
    """Return the name an asset downloads under: the name it was uploaded with (its extension
    from its bytes), or its number for one uploaded without a name."""
    original = (asset.original_filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return with_extension(original or f"A-{asset.pk}", asset.media_type)


def output_download_name(
    *, production, shot_code: str, intended_use: str, request_id: int, media_type: str
) -> str:
    """Return the name a generated output downloads under: production (its code, else its title),
    shot, intended use and request number, such as EP102_SH0010_set_extension_r5.png. A shot
    code that already starts with the production's code does not repeat it."""
    prod = name_part(production.code) or name_part(slugify(production.title)) or f"P{production.pk}"
    shot = name_part(shot_code)
    parts = [shot] if shot.lower().startswith(prod.lower()) else [prod, shot]
    stem = "_".join(p for p in [*parts, name_part(intended_use), f"r{request_id}"] if p)
    return f"{stem}.{extension_for(media_type)}"
