"""Files, content-addressed by SHA-256."""

from django.conf import settings
from django.db import models

from .. import vocab
from ..vocab import choices
from .base import SHA256_HEX, CommitsText
from .registry import Party, Production


def content_name(sha256: str) -> str:
    """Where the bytes with this SHA-256 are stored (content-addressed)."""
    return f"assets/sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def asset_upload_to(instance, filename):
    return content_name(instance.sha256)


def thumbnail_name(sha256: str) -> str:
    """Where a thumbnail with this SHA-256 is stored (content-addressed, apart from assets)."""
    return f"thumbnails/sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}.webp"


class Asset(CommitsText):
    """A file, content-addressed by SHA-256 and immutable once registered."""

    ledger_type = "asset"
    personal_fields = ("original_filename", "title")

    production = models.ForeignKey(Production, on_delete=models.PROTECT, related_name="assets")
    sha256 = models.CharField(max_length=64, validators=[SHA256_HEX])
    kind = models.CharField(max_length=32, choices=choices(vocab.ASSET_KINDS))
    media_type = models.CharField(max_length=100)
    size = models.BigIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    # A clip's timing and codec, read with PyAV at ingest (empty for stills).
    duration_seconds = models.FloatField(null=True, blank=True)
    frame_rate = models.FloatField(null=True, blank=True)
    frame_count = models.PositiveIntegerField(null=True, blank=True)
    codec = models.CharField(max_length=32, blank=True)
    original_filename = models.CharField(max_length=255, blank=True)
    title = models.CharField(max_length=200, blank=True)
    owner = models.ForeignKey(Party, on_delete=models.PROTECT, null=True, blank=True, related_name="assets")
    talent = models.ForeignKey(
        "Talent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="likeness_assets",
        help_text="The performer a likeness reference shows",
    )
    file = models.FileField(upload_to=asset_upload_to, max_length=200)
    origin = models.CharField(max_length=16, choices=choices(vocab.ASSET_ORIGINS), default="ingested")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["production", "sha256"], name="asset_sha256_unique")]
        indexes = [models.Index(fields=["sha256"])]
        ordering = ["id"]

    def __str__(self):
        return f"A-{self.pk} {self.title or self.original_filename}"


class Document(models.Model):
    """A grant's contract or a consent's signed form (or other evidence), stored content-addressed
    beside the assets, once per production. A record names its document by the SHA-256 it holds
    (contract_sha256, evidence_sha256), which its ledger entry commits to; this row only says what
    the file was called, what it is and who uploaded it. Its bytes never change; its file name is
    free text, which an erasure redacts where it names a performer (rightsledger.erasure)."""

    production = models.ForeignKey(Production, on_delete=models.PROTECT, related_name="documents")
    sha256 = models.CharField(max_length=64, validators=[SHA256_HEX])
    original_filename = models.CharField(max_length=255)
    media_type = models.CharField(max_length=100)
    size = models.BigIntegerField()
    file = models.FileField(upload_to=asset_upload_to, max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["production", "sha256"], name="document_sha256_unique")
        ]
        ordering = ["id"]

    def __str__(self):
        return self.original_filename


class Thumbnail(models.Model):
    """An asset's small picture (a still scaled down, or a clip's poster frame), made once by a
    task after the asset is registered. Derived from the asset's bytes, as its fingerprints are:
    not a fact of the ledger. A file that has no picture, or whose picture could not be made,
    keeps a row with no file and the reason, so that it is not tried again on every page."""

    asset = models.OneToOneField(Asset, on_delete=models.CASCADE, related_name="thumbnail")
    file = models.FileField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    media_type = models.CharField(max_length=100, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    problem = models.CharField(max_length=300, blank=True, help_text="Why no picture was made")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Thumbnail of A-{self.asset_id}"


# The fields every version carries, as opposed to what the record says.
