"""Versioned records: grants, consents, reservations and roles. Never edited: an amendment or a
revocation is a new version that points to the one it replaces; the current version is the one
nothing replaces."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from .. import vocab
from ..vocab import choices
from .assets import Asset
from .base import SHA256_HEX, CommitsText
from .registry import Guild, Party, Production, Studio, Talent

VERSION_FIELDS = (
    "id",
    "chain",
    "version",
    "replaces",
    "action",
    "status",
    "reason",
    "created_at",
    "created_by",
)


class VersionedRecord(CommitsText):
    """A ledger-backed record: never updated, amended or revoked by a new version."""

    # Fields that a service sets, never a caller (a consent's revocation scope).
    service_fields: tuple[str, ...] = ()
    # The field that names the record's document by its SHA-256 (a contract, a signed consent
    # form), set from the document when it is uploaded; None for a kind with no document.
    document_field: str | None = None

    chain = models.UUIDField(default=uuid.uuid4, db_index=True, help_text="Shared by every version")
    version = models.PositiveIntegerField(default=1)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    action = models.CharField(max_length=16, choices=choices(vocab.RECORD_ACTIONS), default="created")
    status = models.CharField(max_length=16, choices=choices(vocab.RECORD_STATUSES), default="active")
    reason = models.TextField(blank=True, help_text="Why it was amended or revoked")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True
        ordering = ["id"]

    # Free text: the ledger holds commitments to it (CommitsText); every version may say why.
    personal_fields: tuple[str, ...] = ("reason",)

    @property
    def number(self) -> int:
        """Return the number the record is known by for life, whatever its version: its chain's
        first version's id ("Grant 4", version 2). Read from the `first_id` annotation that
        rightsledger.selectors.with_number adds; without it, a query for any later version."""
        first = self.__dict__.get("first_id")
        if first is None:
            first = (
                self.pk
                if self.version == 1
                else type(self).objects.filter(chain=self.chain).order_by("version").values("id")[0]["id"]
            )
            self.first_id = first
        return first

    @property
    def display_name(self) -> str:
        """Return the record's name for life: "Grant 4", "Consent 2"."""
        return f"{self.ledger_type.capitalize()} {self.number}"

    @classmethod
    def record_fields(cls) -> tuple[str, ...]:
        """Return what a version of this record says, in declaration order: every field but the
        versioning fields and the service-set ones. Services, serializers and payloads derive
        their field lists from this."""
        skip = set(VERSION_FIELDS) | set(cls.service_fields) | {"personal_salt", "erased_at"}
        return tuple(
            f.name for f in cls._meta.get_fields() if f.concrete and not f.auto_created and f.name not in skip
        )


class RightsGrant(VersionedRecord):
    """Rights granted by contract to a production over some assets."""

    ledger_type = "grant"
    document_field = "contract_sha256"

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
    document_field = "evidence_sha256"
    # The terms by reference that only clearance and the guild read (access.can_read_consent_terms).
    TERMS_FIELDS = ("compensation_reference", "residual_terms_reference")
    service_fields = ("revocation_scope",)
    personal_fields = (
        "grantor_name",
        "intended_use_description",
        "prohibited_uses_note",
        "compensation_reference",
        "residual_terms_reference",
        "capture_business_reason",
        "reason",
    )

    talent = models.ForeignKey(Talent, on_delete=models.PROTECT, related_name="consents")
    production = models.ForeignKey(Production, on_delete=models.PROTECT, related_name="consents")
    grantor_role = models.CharField(max_length=32, choices=choices(vocab.GRANTOR_ROLES))
    grantor_name = models.CharField(
        max_length=200, blank=True, help_text="Who signed, when not the performer"
    )
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
    training_permission = models.CharField(
        max_length=32, choices=choices(vocab.TRAINING_PERMISSIONS), default="none"
    )
    # The terms by reference (a deal memo, a contract clause): producers see only that they exist.
    compensation_reference = models.CharField(max_length=200, blank=True)
    residual_terms_reference = models.CharField(max_length=200, blank=True)
    capture_business_reason = models.TextField(
        blank=True, help_text="Why the production needs the scan or likeness capture (R7)"
    )
    evidence_sha256 = models.CharField(max_length=64, validators=[SHA256_HEX])
    scan_notice_date = models.DateField(null=True, blank=True)
    union_notified_date = models.DateField(null=True, blank=True)
    requires_review = models.BooleanField(default=False)
    revocation_scope = models.JSONField(default=dict, blank=True)
    erased_at = models.DateTimeField(
        null=True, blank=True, help_text="When the personal fields and their salt were erased"
    )

    class Meta(VersionedRecord.Meta):
        indexes = [models.Index(fields=["production", "status"]), models.Index(fields=["talent", "status"])]


class TrainingReservation(VersionedRecord):
    """A reservation (opt-out) of AI training and data-mining uses over a subject."""

    ledger_type = "reservation"

    studio = models.ForeignKey(Studio, on_delete=models.PROTECT, related_name="reservations")
    subject_type = models.CharField(max_length=16, choices=choices(vocab.RESERVATION_SUBJECTS))
    asset = models.ForeignKey(
        Asset, on_delete=models.PROTECT, null=True, blank=True, related_name="reservations"
    )
    talent = models.ForeignKey(
        Talent, on_delete=models.PROTECT, null=True, blank=True, related_name="reservations"
    )
    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, null=True, blank=True, related_name="reservations"
    )
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
                    Q(
                        subject_type="asset",
                        asset__isnull=False,
                        talent__isnull=True,
                        party__isnull=True,
                        production__isnull=True,
                    )
                    | Q(
                        subject_type="talent",
                        asset__isnull=True,
                        talent__isnull=False,
                        party__isnull=True,
                        production__isnull=True,
                    )
                    | Q(
                        subject_type="party",
                        asset__isnull=True,
                        talent__isnull=True,
                        party__isnull=False,
                        production__isnull=True,
                    )
                    | Q(
                        subject_type="production",
                        asset__isnull=True,
                        talent__isnull=True,
                        party__isnull=True,
                        production__isnull=False,
                    )
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
                    | Q(
                        kind__in=["clearance", "producer", "auditor"],
                        studio__isnull=True,
                        production__isnull=False,
                        guild__isnull=True,
                    )
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
