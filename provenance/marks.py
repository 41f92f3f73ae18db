"""Whether an output's marks read back from the file as it is stored: the file is the one recorded,
its Content Credentials (the manifest it was signed with) are in it, and, where the output has
them, its time-stamp and its watermark identifier. The disclosure pack reports each check.

A check is passed (True), failed (False) or does not apply (None: the output has no such mark).
Reads the stored file (a stream, so a clip is never held whole in memory).
"""

import dataclasses
import hashlib
import json

import c2pa

from .credentials import trust_context
from .models import Watermark
from .services.watermarks import watermark_read_bytes

MANIFEST = "Content Credentials"
STORED_FILE = "Stored file"
TIMESTAMP = "Time-stamp"
WATERMARK = "Watermark"
VALIDATION_WORDS = {"trusted": "trusted", "valid": "valid, signer not trusted here", "invalid": "invalid"}


@dataclasses.dataclass(frozen=True)
class MarkCheck:
    mark: str  # the mark, in words
    passed: bool | None  # None: the output carries no such mark
    detail: str  # what was found, in words

    @property
    def state(self) -> str:
        return {True: "Reads back", False: "Missing", None: "Not applied"}[self.passed]


@dataclasses.dataclass(frozen=True)
class Marks:
    """An output's marks as recorded and as read back from its stored file."""

    manifest_label: str
    watermark_id: str  # "" where the output has no watermark
    timestamp: str  # the time-stamp's time as the file states it (ISO 8601), "" without one
    checks: tuple[MarkCheck, ...]

    @property
    def passed(self) -> bool:
        """Whether every mark the output carries reads back."""
        return all(c.passed is not False for c in self.checks)


def _digest(asset) -> str | None:
    digest = hashlib.sha256()
    try:
        with asset.file.storage.open(asset.file.name, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except (FileNotFoundError, OSError):
        return None
    return digest.hexdigest()


def _read(asset) -> tuple[dict | None, str, str]:
    """Return (the active manifest, the validation state, why nothing was read) of the stored file."""
    try:
        with asset.file.storage.open(asset.file.name, "rb") as fh:
            reader = c2pa.Reader(asset.media_type, fh, context=trust_context())
            store = reader.json()
            state = (reader.get_validation_state() or "").lower()
    except (FileNotFoundError, OSError):
        return None, "", "the stored file cannot be read"
    except c2pa.C2paError as exc:
        return None, "", f"no Content Credentials were found in the stored file ({type(exc).__name__})"
    store = json.loads(store)
    active = store.get("active_manifest")
    return store.get("manifests", {}).get(active), state, ""


def marks_recorded(signed) -> Marks:
    """Return the output's marks as recorded when it was signed, without reading its file."""
    stamped = getattr(signed, "timestamped_at", None)
    return Marks(signed.manifest_label, _identifier(signed), stamped.isoformat() if stamped else "", ())


def marks_check(asset, signed) -> Marks:
    """Return the output's marks, each read back from its stored file. signed: its SignedOutput."""
    checks = []
    digest = _digest(asset)
    checks.append(
        MarkCheck(
            STORED_FILE,
            digest == asset.sha256,
            "the file is the one recorded"
            if digest == asset.sha256
            else (
                "the stored file is gone"
                if digest is None
                else "the stored file differs from the one recorded"
            ),
        )
    )
    manifest, state, why = _read(asset)
    label = manifest.get("label", "") if manifest else ""
    if manifest is None:
        checks.append(MarkCheck(MANIFEST, False, why))
    elif label != signed.manifest_label:
        checks.append(
            MarkCheck(MANIFEST, False, "the file carries another manifest than the one it was signed with")
        )
    else:
        checks.append(
            MarkCheck(
                MANIFEST, True, f"the signed manifest reads back ({VALIDATION_WORDS.get(state, state)})"
            )
        )
    stamped = ((manifest or {}).get("signature_info") or {}).get("time") or ""
    recorded_stamp = getattr(signed, "timestamped_at", None)
    if stamped:
        checks.append(MarkCheck(TIMESTAMP, True, "the manifest's signature carries a trusted time"))
    elif recorded_stamp:
        checks.append(MarkCheck(TIMESTAMP, False, "the time-stamp recorded at signing is not in the file"))
    else:
        checks.append(MarkCheck(TIMESTAMP, None, "the output was signed without a time-stamp"))
    watermark = _identifier(signed)
    checks.append(_watermark_check(asset, watermark))
    return Marks(label or signed.manifest_label, watermark, stamped, tuple(checks))


def _identifier(signed) -> str:
    """The watermark identifier the output was made with ("" where it carries none)."""
    found = Watermark.objects.filter(output=signed).values_list("identifier", flat=True).first()
    return str(found) if found is not None else ""


def _watermark_check(asset, watermark: str) -> MarkCheck:
    """The watermark's line: the identifier read back from the stored file's pixels (a clip's
    first frames) must be the one the output was made with."""
    if not watermark:
        return MarkCheck(WATERMARK, None, "the output was signed without a watermark")
    try:
        with asset.file.storage.open(asset.file.name, "rb") as fh:
            reading = watermark_read_bytes(fh.read(), asset.media_type)
    except (FileNotFoundError, OSError):
        return MarkCheck(WATERMARK, False, "the stored file cannot be read")
    if reading.identifier is None:
        return MarkCheck(WATERMARK, False, "no watermark reads back from the stored file")
    if str(reading.identifier) != watermark:
        return MarkCheck(
            WATERMARK, False, f"the stored file carries watermark {reading.identifier}, not {watermark}"
        )
    return MarkCheck(WATERMARK, True, f"watermark {watermark} reads back from the pixels")
