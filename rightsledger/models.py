"""The rights domain: productions, shots, parties, assets, grants, talent, consent, reservations,
roles and the append-only ledger.

Grants, consents and reservations are never edited: an amendment or a revocation is a new row
(a version) that points to the one it replaces; the current version is the one nothing replaces.
Writes go through rightsledger.services, which also appends the ledger entry.
"""

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from . import vocab
from .personal import new_salt
from .vocab import choices

SHA256_HEX = RegexValidator(r"^[0-9a-f]{64}$", "Give a SHA-256 as 64 lowercase hexadecimal characters.")
SHOT_CODE = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_\-\.]{0,63}$",
    "A shot code is letters, digits, '_', '-' or '.', such as EP102_SH0040.",
)


class CommitsText(models.Model):
    """A record whose free text (names, titles, notes, comments, reasons, descriptions, file
    names) enters the ledger only as salted commitments (rightsledger.personal): the text stays
    in the row, where an erasure can reach it, and the salt beside it.

    A model lists its free-text fields in `personal_fields`; `personal.record_commitments` makes
    the commitments every entry about the record carries; an erasure redacts those fields
    (rightsledger.erasure). tests/rightsledger/test_erasure.py checks that every text field of
    every ledger-backed model is either listed here or a code."""

    personal_fields: tuple[str, ...] = ()

    personal_salt = models.CharField(max_length=64, blank=True, default=new_salt,
                                     help_text="Salt of the ledger's commitments to the free-text fields")

    class Meta:
        abstract = True


class Studio(CommitsText):
    ledger_type = "studio"
    personal_fields = ("name",)

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.name


class Production(CommitsText):
    ledger_type = "production"
    personal_fields = ("title",)

    studio = models.ForeignKey(Studio, on_delete=models.PROTECT, related_name="productions")
    title = models.CharField(max_length=200)
    code = models.SlugField(max_length=64)
    output_disclosure = models.CharField(max_length=16, choices=choices(vocab.OUTPUT_DISCLOSURES), default="neutral",
                                         help_text="What signed outputs say of shots and inputs (vocab.OUTPUT_DISCLOSURES)")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["studio", "code"], name="production_code_unique")]
        ordering = ["id"]

    def __str__(self):
        return self.title


class Shot(CommitsText):
    ledger_type = "shot"
    personal_fields = ("sequence", "description", "reel", "update_reason")

    production = models.ForeignKey(Production, on_delete=models.PROTECT, related_name="shots")
    code = models.CharField(max_length=64, validators=[SHOT_CODE])
    sequence = models.CharField(max_length=100, blank=True, help_text="Sequence or episode label")
    description = models.TextField(blank=True)
    # Where the shot sits, from the tracker or the edit: its source range (the frames of its
    # media used, first and last included), its frame count, its record range on the timeline,
    # and the reel or media it comes from.
    frame_in = models.IntegerField(null=True, blank=True)
    frame_out = models.IntegerField(null=True, blank=True)
    frame_count = models.PositiveIntegerField(null=True, blank=True)
    record_in = models.IntegerField(null=True, blank=True)
    record_out = models.IntegerField(null=True, blank=True)
    reel = models.CharField(max_length=255, blank=True)
    removed = models.BooleanField(default=False, help_text="Removed from the tracker or the edit; kept, never deleted")
    update_reason = models.TextField(blank=True, help_text="Why the shot was last changed (its ledger entry commits to it)")
    created_at = models.DateTimeField(auto_now_add=True)

    # What shot_update may change.
    UPDATABLE = ("sequence", "description", "frame_in", "frame_out", "frame_count", "record_in", "record_out", "reel", "removed")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["production", "code"], name="shot_code_unique")]
        ordering = ["id"]

    def __str__(self):
        return self.code


class Party(CommitsText):
    """A rights holder, vendor, agency or estate."""

    ledger_type = "party"
    personal_fields = ("name",)

    studio = models.ForeignKey(Studio, on_delete=models.PROTECT, related_name="parties")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=choices(vocab.PARTY_KINDS))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "parties"

    def __str__(self):
        return self.name


class Guild(CommitsText):
    ledger_type = "guild"
    personal_fields = ("name", "abbreviation")

    name = models.CharField(max_length=200, unique=True)
    abbreviation = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.abbreviation or self.name


class Talent(CommitsText):
    """A performer. Names are kept here and nowhere in the ledger or in signed outputs."""

    ledger_type = "talent"
    personal_fields = ("legal_name", "professional_name", "aliases", "external_ids")

    legal_name = models.CharField(max_length=200)
    professional_name = models.CharField(max_length=200, blank=True)
    aliases = models.JSONField(default=list, blank=True)
    is_deceased = models.BooleanField(default=False)
    is_minor = models.BooleanField(default=False)
    external_ids = models.JSONField(default=dict, blank=True, help_text='For example {"isni": "0000000121032683"}')
    guilds = models.ManyToManyField(Guild, through="GuildMembership", related_name="members")
    created_at = models.DateTimeField(auto_now_add=True)
    erased_at = models.DateTimeField(null=True, blank=True, help_text="When the performer's personal data was erased")

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "talent"

    def __str__(self):
        if self.erased_at:
            return f"Erased performer (talent {self.pk})"
        return self.professional_name or self.legal_name


class TalentName(models.Model):
    """A talent's name, professional name or alias, in the form names are compared in
    (rightsledger.names: without invisible characters, accents or case, look-alike letters
    replaced), so a prompt can be matched against every registered name with one indexed query."""

    talent = models.ForeignKey(Talent, on_delete=models.CASCADE, related_name="names")
    normalized = models.CharField(max_length=200, db_index=True)
    words = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["talent", "normalized"], name="talent_name_unique")]


class GuildMembership(models.Model):
    talent = models.ForeignKey(Talent, on_delete=models.PROTECT, related_name="memberships")
    guild = models.ForeignKey(Guild, on_delete=models.PROTECT, related_name="memberships")
    member_id = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["guild", "member_id"], name="guild_member_id_unique"),
            models.UniqueConstraint(fields=["guild", "talent"], name="guild_talent_unique"),
        ]


def content_name(sha256: str) -> str:
    """Where the bytes with this SHA-256 are stored (content-addressed)."""
    return f"assets/sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def asset_upload_to(instance, filename):
    return content_name(instance.sha256)


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
        "Talent", on_delete=models.PROTECT, null=True, blank=True, related_name="likeness_assets",
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


# The fields every version carries, as opposed to what the record says.
VERSION_FIELDS = ("id", "chain", "version", "replaces", "action", "status", "reason", "created_at", "created_by")


class VersionedRecord(CommitsText):
    """A ledger-backed record: never updated, amended or revoked by a new version."""

    # Fields that a service sets, never a caller (a consent's revocation scope).
    service_fields: tuple[str, ...] = ()

    chain = models.UUIDField(default=uuid.uuid4, db_index=True, help_text="Shared by every version")
    version = models.PositiveIntegerField(default=1)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    action = models.CharField(max_length=16, choices=choices(vocab.RECORD_ACTIONS), default="created")
    status = models.CharField(max_length=16, choices=choices(vocab.RECORD_STATUSES), default="active")
    reason = models.TextField(blank=True, help_text="Why it was amended or revoked")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        abstract = True
        ordering = ["id"]

    # Free text: the ledger holds commitments to it (CommitsText); every version may say why.
    personal_fields: tuple[str, ...] = ("reason",)

    @classmethod
    def record_fields(cls) -> tuple[str, ...]:
        """Return what a version of this record says, in declaration order: every field but the
        versioning fields and the service-set ones. Services, serializers and payloads derive
        their field lists from this."""
        skip = set(VERSION_FIELDS) | set(cls.service_fields) | {"personal_salt", "erased_at"}
        return tuple(f.name for f in cls._meta.get_fields() if f.concrete and not f.auto_created and f.name not in skip)


class RightsGrant(VersionedRecord):
    """Rights granted by contract to a production over some assets."""

    ledger_type = "grant"

    grantor = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="grants")
    production = models.ForeignKey(Production, on_delete=models.PROTECT, related_name="grants")
    assets = models.ManyToManyField(Asset, related_name="grants")
    uses = models.JSONField(default=list)
    media = models.JSONField(default=list)
    territories = models.JSONField(default=list, help_text="ISO 3166-1 alpha-2 codes, or WORLD")
    territory_exclusions = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, help_text="ISO 639-1 codes; empty means all languages")
    term_start = models.DateField()
    term_end = models.DateField(null=True, blank=True, help_text="Empty means in perpetuity")
    exclusivity = models.CharField(max_length=16, choices=choices(vocab.EXCLUSIVITY), default="non_exclusive")
    restrictions = models.TextField(blank=True)
    personal_fields = ("restrictions", "reason")
    requires_review = models.BooleanField(default=False)
    contract_sha256 = models.CharField(max_length=64, validators=[SHA256_HEX])

    class Meta(VersionedRecord.Meta):
        indexes = [models.Index(fields=["production", "status"])]


class ConsentRecord(VersionedRecord):
    """A performer's informed consent to a digital replica, for one production."""

    ledger_type = "consent"
    service_fields = ("revocation_scope",)
    personal_fields = ("grantor_name", "intended_use_description", "prohibited_uses_note", "compensation_reference", "reason")

    talent = models.ForeignKey(Talent, on_delete=models.PROTECT, related_name="consents")
    production = models.ForeignKey(Production, on_delete=models.PROTECT, related_name="consents")
    grantor_role = models.CharField(max_length=32, choices=choices(vocab.GRANTOR_ROLES))
    grantor_name = models.CharField(max_length=200, blank=True, help_text="Who signed, when not the performer")
    representation = models.CharField(max_length=32, choices=choices(vocab.REPRESENTATION))
    replica_type = models.CharField(max_length=32, choices=choices(vocab.REPLICA_TYPES))
    modalities = models.JSONField(default=list)
    intended_use_description = models.TextField()
    permitted_uses = models.JSONField(default=list)
    prohibited_uses = models.JSONField(default=list, blank=True)
    prohibited_uses_note = models.TextField(blank=True)
    permitted_shots = models.JSONField(default=list, blank=True, help_text="Shot codes; empty means any shot")
    permitted_scenes = models.JSONField(default=list, blank=True)
    media = models.JSONField(default=list)
    territories = models.JSONField(default=list)
    territory_exclusions = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    term_start = models.DateField()
    term_end = models.DateField(null=True, blank=True)
    training_permission = models.CharField(max_length=32, choices=choices(vocab.TRAINING_PERMISSIONS), default="none")
    compensation_reference = models.CharField(max_length=200, blank=True)
    evidence_sha256 = models.CharField(max_length=64, validators=[SHA256_HEX])
    scan_notice_date = models.DateField(null=True, blank=True)
    union_notified_date = models.DateField(null=True, blank=True)
    requires_review = models.BooleanField(default=False)
    revocation_scope = models.JSONField(default=dict, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True, help_text="When the personal fields and their salt were erased")

    class Meta(VersionedRecord.Meta):
        indexes = [models.Index(fields=["production", "status"]), models.Index(fields=["talent", "status"])]


class TrainingReservation(VersionedRecord):
    """A reservation (opt-out) of AI training and data-mining uses over a subject."""

    ledger_type = "reservation"

    studio = models.ForeignKey(Studio, on_delete=models.PROTECT, related_name="reservations")
    subject_type = models.CharField(max_length=16, choices=choices(vocab.RESERVATION_SUBJECTS))
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, null=True, blank=True, related_name="reservations")
    talent = models.ForeignKey(Talent, on_delete=models.PROTECT, null=True, blank=True, related_name="reservations")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, null=True, blank=True, related_name="reservations")
    production = models.ForeignKey(
        Production, on_delete=models.PROTECT, null=True, blank=True, related_name="reservations"
    )
    uses = models.JSONField(default=list)
    source = models.CharField(max_length=32, choices=choices(vocab.RESERVATION_SOURCES))
    effective_date = models.DateField()
    note = models.TextField(blank=True)
    personal_fields = ("note", "reason")

    class Meta(VersionedRecord.Meta):
        constraints = [
            models.CheckConstraint(
                name="reservation_one_subject",
                condition=(
                    Q(subject_type="asset", asset__isnull=False, talent__isnull=True, party__isnull=True, production__isnull=True)
                    | Q(subject_type="talent", asset__isnull=True, talent__isnull=False, party__isnull=True, production__isnull=True)
                    | Q(subject_type="party", asset__isnull=True, talent__isnull=True, party__isnull=False, production__isnull=True)
                    | Q(subject_type="production", asset__isnull=True, talent__isnull=True, party__isnull=True, production__isnull=False)
                ),
            )
        ]

    @property
    def subject(self):
        return getattr(self, self.subject_type)

    @staticmethod
    def production_of_subject(subject) -> "Production | None":
        """Return the production a reservation's subject belongs to: itself, an asset's, or none
        (a performer or a party belongs to no production)."""
        if isinstance(subject, Production):
            return subject
        return getattr(subject, "production", None) if isinstance(subject, Asset) else None


class Role(VersionedRecord):
    """What a user may do, and where: a studio, a production or a guild. A fact like any other:
    granted, and revoked by a new version; never edited in place."""

    ledger_type = "role"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rl_roles")
    kind = models.CharField(max_length=16, choices=choices(vocab.ROLES))
    studio = models.ForeignKey(Studio, on_delete=models.PROTECT, null=True, blank=True)
    production = models.ForeignKey(Production, on_delete=models.PROTECT, null=True, blank=True)
    guild = models.ForeignKey(Guild, on_delete=models.PROTECT, null=True, blank=True)

    class Meta(VersionedRecord.Meta):
        constraints = [
            models.CheckConstraint(
                name="role_scope_matches_kind",
                condition=(
                    Q(kind="studio_admin", studio__isnull=False, production__isnull=True, guild__isnull=True)
                    | Q(kind__in=["clearance", "producer", "auditor"], studio__isnull=True, production__isnull=False, guild__isnull=True)
                    | Q(kind="guild_rep", studio__isnull=True, production__isnull=True, guild__isnull=False)
                ),
            ),
        ]
        indexes = [models.Index(fields=["user", "status"])]

    @property
    def scope(self):
        return self.studio or self.production or self.guild

    def __str__(self):
        return f"{self.user} {self.kind} {self.scope}"


class LedgerEntry(models.Model):
    """One entry of the append-only ledger. The database refuses UPDATE and DELETE on it.

    seq is given at append time from a database sequence; it is unique but may have gaps (a
    rolled-back transaction consumes a number) and entries may commit out of seq order. Their
    position in the Merkle tree is assigned later by the sequencer, in its own table, so the
    tree can be built without touching these rows. txid (PostgreSQL only) lets the sequencer
    take exactly the entries whose transactions have all ended.
    """

    seq = models.BigIntegerField(primary_key=True)
    entry_type = models.CharField(max_length=48)
    actor = models.CharField(max_length=200)
    time = models.DateTimeField()
    body = models.BinaryField(help_text="The entry's canonical (RFC 8785) JSON bytes, as hashed")
    leaf_hash = models.BinaryField(max_length=32)
    record_type = models.CharField(max_length=32, blank=True)
    record_id = models.BigIntegerField(null=True, blank=True)
    chain = models.UUIDField(null=True, blank=True)
    production = models.ForeignKey(Production, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    txid = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = "ledger entries"
        indexes = [
            models.Index(fields=["record_type", "record_id"]),
            models.Index(fields=["chain"]),
            models.Index(fields=["leaf_hash"]),
            models.Index(fields=["txid"]),
        ]

    def __str__(self):
        return f"#{self.seq} {self.entry_type}"


class LedgerLeaf(models.Model):
    """The position of an entry in the Merkle tree, given by the sequencer. Never edited."""

    index = models.BigIntegerField(primary_key=True)
    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="leaf", db_column="seq")


class LedgerNode(models.Model):
    """The hash of a perfect subtree: level l, index i cover leaves [i * 2^l, (i + 1) * 2^l).
    The key packs both (level << 56 | index) so a proof's nodes are one indexed IN lookup."""

    key = models.BigIntegerField(primary_key=True)
    hash = models.BinaryField(max_length=32)

    @staticmethod
    def key_of(level: int, index: int) -> int:
        return (level << 56) | index


class TreeState(models.Model):
    """The sequencer's progress: one row."""

    size = models.BigIntegerField(default=0)
    horizon_txid = models.BigIntegerField(default=0)
    horizon_seq = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)


class Checkpoint(models.Model):
    """A signed checkpoint of the tree (C2SP tlog-checkpoint in a signed note). Never edited."""

    size = models.BigIntegerField(primary_key=True)
    root = models.BinaryField(max_length=32)
    note = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["size"]


class WitnessedCheckpoint(models.Model):
    """A checkpoint a guild has seen and registered, so that the ledger must stay consistent with it."""

    ledger_type = "witness"

    guild = models.ForeignKey(Guild, on_delete=models.PROTECT, related_name="witnessed_checkpoints")
    size = models.BigIntegerField()
    root = models.BinaryField(max_length=32)
    note = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["guild", "size"], name="witness_guild_size_unique")]
        ordering = ["size"]


class ConsentFlag(CommitsText):
    """A guild representative's flag on a consent record, or a request that it be revoked, with
    the reason. A fact on the ledger; the production's clearance users are notified."""

    ledger_type = "consent_flag"
    personal_fields = ("reason",)

    consent = models.ForeignKey(ConsentRecord, on_delete=models.PROTECT, related_name="flags")
    guild = models.ForeignKey(Guild, on_delete=models.PROTECT, related_name="consent_flags")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requests_revocation = models.BooleanField(default=False)
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class Notification(models.Model):
    """A message for one user in the portal (also e-mailed): a flag raised, a term ending."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rl_notifications")
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "read_at"])]


class ExpiryNotice(models.Model):
    """That the alert for a record's term ending within a threshold (30 or 7 days) was sent, so
    it is sent once."""

    record_type = models.CharField(max_length=16)
    record_id = models.BigIntegerField()
    threshold_days = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["record_type", "record_id", "threshold_days"], name="expiry_notice_once")]
