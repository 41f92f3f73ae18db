"""The stored files and what the records say of them: the backup's listing of the bucket with each
file's SHA-256, and the check after a restore that every stored file still has its record's hash.

Each file is read through the storage API (the bucket or the local folder), in chunks: a clip is
never held whole. A listing reads every stored byte once; run it against a replica or at a quiet
hour on a large bucket."""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.files.storage import default_storage

from ..models import Asset, Document, Thumbnail

CHUNK = 1 << 20
# The records that name a stored file and the SHA-256 of its bytes. Audit exports (a copy of
# what the records hold, made for someone to keep) have no hash of record and are not checked.
HASHED_FILES = (("asset", Asset), ("document", Document), ("thumbnail", Thumbnail))


@dataclass(frozen=True)
class StoredFile:
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Mismatch:
    record: str  # asset 12, document 3, thumbnail of asset 12
    name: str
    expected: str
    found: str  # the SHA-256 read, or "missing"


def file_sha256(name: str) -> str:
    """The SHA-256 of a stored file, read in chunks through the storage API."""
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _names(folder: str = "") -> Iterator[str]:
    folders, files = default_storage.listdir(folder)
    for f in files:
        yield f"{folder}/{f}" if folder else f
    for d in folders:
        yield from _names(f"{folder}/{d}" if folder else d)


def stored_files() -> Iterator[StoredFile]:
    """Every stored file (in the bucket, under AWS_LOCATION; or under MEDIA_ROOT), by name, with its
    size and SHA-256. Reads every byte."""
    for name in sorted(_names()):
        yield StoredFile(name=name, size=default_storage.size(name), sha256=file_sha256(name))


def stored_file_mismatches() -> Iterator[Mismatch]:
    """Every record whose stored file is missing or whose bytes do not have the record's SHA-256."""
    for label, model in HASHED_FILES:
        key = "asset_id" if model is Thumbnail else "pk"
        rows = model.objects.exclude(file="").order_by("pk").values_list(key, "file", "sha256")
        for pk, name, expected in rows.iterator():
            record = f"thumbnail of asset {pk}" if model is Thumbnail else f"{label} {pk}"
            if not default_storage.exists(name):
                yield Mismatch(record=record, name=name, expected=expected, found="missing")
                continue
            found = file_sha256(name)
            if found != expected:
                yield Mismatch(record=record, name=name, expected=expected, found=found)


def stored_file_count() -> int:
    """How many records name a stored file with a hash (what stored_file_mismatches checks)."""
    return sum(model.objects.exclude(file="").count() for _, model in HASHED_FILES)
