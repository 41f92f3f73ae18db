"""Who and where: studios, productions, shots, parties, guilds and performers."""

from django.db import models

from .. import vocab
from ..vocab import choices
from .base import SHOT_CODE, CommitsText


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
    personal_fields = ("title", "label_text")

    studio = models.ForeignKey(Studio, on_delete=models.PROTECT, related_name="productions")
    title = models.CharField(max_length=200)
    code = models.SlugField(max_length=64)
    output_disclosure = models.CharField(
        max_length=16,
        choices=choices(vocab.OUTPUT_DISCLOSURES),
        default="neutral",
        help_text="What signed outputs say of shots and inputs (vocab.OUTPUT_DISCLOSURES)",
    )
    # The visible label burned into every output before it is signed, where the production opts in.
    label_enabled = models.BooleanField(default=False, help_text="Burn a visible label into every output")
    label_text = models.CharField(
        max_length=60, blank=True, help_text="The label's words; empty: the standard words (AI-generated)"
    )
    label_corner = models.CharField(
        max_length=16, choices=choices(vocab.LABEL_CORNERS), default="bottom_right"
    )
    guild_pictures = models.BooleanField(
        default=False,
        help_text="Let a performer's guild see the pictures of outputs where the member's face was found",
    )
    performer_rules = models.JSONField(
        default=list,
        blank=True,
        help_text="The 2026 performer rules the gate applies to this production (vocab.PERFORMER_RULES)",
    )
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
    removed = models.BooleanField(
        default=False, help_text="Removed from the tracker or the edit; kept, never deleted"
    )
    update_reason = models.TextField(
        blank=True, help_text="Why the shot was last changed (its ledger entry commits to it)"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # What shot_update may change.
    UPDATABLE = (
        "sequence",
        "description",
        "frame_in",
        "frame_out",
        "frame_count",
        "record_in",
        "record_out",
        "reel",
        "removed",
    )

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
    # The key of the C2SP tlog-witness the guild runs (a vkey of type 0x04), when it runs one: set
    # through ledger.witnesses.guild_witness_key_set, and matched against the witness policy.
    witness_key = models.CharField(max_length=300, blank=True)
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
    external_ids = models.JSONField(
        default=dict, blank=True, help_text='For example {"isni": "0000000121032683"}'
    )
    guilds = models.ManyToManyField(Guild, through="GuildMembership", related_name="members")
    created_at = models.DateTimeField(auto_now_add=True)
    erased_at = models.DateTimeField(
        null=True, blank=True, help_text="When the performer's personal data was erased"
    )

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


class LabourAction(CommitsText):
    """A union's labour action (a strike) against a production: while it is in force, the gate
    refuses digital-replica uses of the union's members where the production applies R12. Its
    start and its end are each a ledger entry; the end is the one change it takes."""

    ledger_type = "labour_action"
    personal_fields = ("note",)

    production = models.ForeignKey(Production, on_delete=models.PROTECT, related_name="labour_actions")
    guild = models.ForeignKey(Guild, on_delete=models.PROTECT, related_name="labour_actions")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True, help_text="Empty while the action is in force")
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["production", "ended_on"])]

    def __str__(self):
        return f"{self.guild} labour action against {self.production}"
