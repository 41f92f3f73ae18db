"""Reads of the verify page, and a file's Content Credentials in words (the request page shows a
signed output's the same way): how far the signature is trusted, when it was signed, its
ingredients as a tree and its training reservations as sentences; the picture of the file checked;
and, for a copy without credentials, what may be said of the output it copies."""

import base64
import datetime
from dataclasses import dataclass

from django.conf import settings

from provenance import words
from provenance.clearance import output_copy, verdict_and_match
from provenance.credentials import INVALID
from provenance.selectors import verify
from rightsledger.thumbnails import can_picture, picture_of


def credentials_words(report: dict | None) -> "CredentialsWords | None":
    """Return a file's Content Credentials (provenance's `verify`) in words: how far its signature
    is trusted, when it was signed, its ingredients as a tree, and its training reservations as
    sentences. None for a file without credentials."""
    if not report or not report.get("credentials"):
        return None
    badge, tone, sentence = words.TRUST[report.get("trust") or INVALID]
    return CredentialsWords(
        trust=report.get("trust") or INVALID,
        badge=badge,
        tone=tone,
        sentence=sentence,
        signed_at=_when(report.get("signing_time")),
        signer=(report.get("signer") or {}).get("common_name") or "",
        issuer=(report.get("signer") or {}).get("issuer") or "",
        ingredients=_ingredient_tree(report.get("ingredients") or []),
        uses=tuple(words.use_words(u, v) for u, v in sorted((report.get("training_mining") or {}).items())),
    )


@dataclass(frozen=True)
class Ingredient:
    """An ingredient in words, with the ingredients it was itself made from (a tree)."""

    words: str
    children: tuple


@dataclass(frozen=True)
class CredentialsWords:
    trust: str  # provenance.credentials' level: trusted, development, untrusted, invalid
    badge: str
    tone: str  # the badge's colour class
    sentence: str
    signed_at: datetime.datetime | None
    signer: str  # the signing certificate's common name, and its issuer's (for technical details)
    issuer: str
    ingredients: tuple[Ingredient, ...]
    uses: tuple[str, ...]


def _ingredient_tree(nodes: list[dict]) -> tuple[Ingredient, ...]:
    return tuple(
        Ingredient(
            words.ingredient_words(n.get("relationship"), n.get("title")),
            _ingredient_tree(n.get("ingredients") or []),
        )
        for n in nodes
    )


def _when(value) -> datetime.datetime | None:
    """Return a signing time (ISO 8601, as C2PA and our assertion write it) as a datetime."""
    if isinstance(value, datetime.datetime):
        return value
    try:
        found = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None
    return found.replace(tzinfo=datetime.UTC) if found and found.tzinfo is None else found


@dataclass(frozen=True)
class FilePicture:
    """The picture of a file checked on the verify page (it is not stored): a data URL."""

    src: str
    alt: str
    width: int
    height: int


def file_picture(name: str, data: bytes, media_type: str) -> FilePicture | None:
    """Return the picture of an uploaded file (a still, or a clip's poster frame), or None where it
    has none or does not decode (its credentials are read all the same)."""
    if not can_picture(media_type):
        return None
    try:
        found = picture_of(
            data, media_type, max_pixels=settings.IMAGE_MAX_PIXELS, max_frames=settings.VIDEO_MAX_FRAMES
        )
    except Exception:  # noqa: BLE001  (Pillow's and PyAV's errors are many: no picture, the rest stands)
        return None
    alt = f"A frame of the clip {name}" if media_type.startswith("video/") else f"The picture {name}"
    src = f"data:{found.media_type};base64,{base64.b64encode(found.data).decode()}"
    return FilePicture(src, alt, found.width, found.height)


def verify_result(name: str, data: bytes, media_type: str) -> dict:
    """Return the verify page's answer for an uploaded file: its picture, its Content Credentials
    (provenance's `verify`) in words, whether it may be used for AI training, and, for a copy
    without credentials found by its hash or fingerprint, what may be said of the output it copies."""
    report = verify(data, media_type)
    training, match = verdict_and_match(data=data)
    return {
        "name": name,
        "picture": file_picture(name, data, media_type),
        "report": report,
        "words": credentials_words(report),
        "training": training,
        "copy": output_copy(match),
    }
