"""Content-addressed storage: the bytes of assets and of records' documents, each stored once under
its SHA-256 (rightsledger.models.content_name), in the configured storage."""

from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage

from ..models import Asset, Document, content_name


def store_content(sha256: str, data, size: int | None = None) -> tuple[str, bool]:
    """Store content-addressed bytes, or an open binary file of size bytes (uploaded in chunks:
    a clip is never read whole into memory); the same bytes are stored once. Returns (name,
    whether this call wrote the file). A file left short by a failed write (a full or read-only
    disk, a crash) is written again, and a write that fails leaves no file behind."""
    name = content_name(sha256)
    if isinstance(data, (bytes, bytearray)):
        content, size = ContentFile(data), len(data)
    else:
        data.seek(0)
        content = File(data, name=name)
    if default_storage.exists(name):
        if default_storage.size(name) == size:
            return name, False
        default_storage.delete(name)
    try:
        return default_storage.save(name, content), True
    except Exception:
        # A full or read-only disk, an unreachable or refusing bucket: nothing half-written stays.
        try:
            if default_storage.exists(name):
                default_storage.delete(name)
        except Exception:  # noqa: BLE001, S110  (the store is unreachable: there is nothing to remove)
            pass
        raise


def content_unstore_unless_used(sha256: str) -> None:
    """Remove the stored bytes of a registration that was not recorded, unless an asset or a
    record's document uses them."""
    name = content_name(sha256)
    try:
        if not Asset.objects.filter(file=name).exists() and not Document.objects.filter(file=name).exists():
            default_storage.delete(name)
    except Exception:  # noqa: BLE001, S110  (the database is down too: the file stays, reused on retry)
        pass
