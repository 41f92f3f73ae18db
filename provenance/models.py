"""Provenance records: the lineage graph between assets."""

from django.db import models

from rightsledger.models import Asset

EDGE_ROLES = ("plate", "reference", "element", "likeness", "style", "ingredient")


class LineageEdge(models.Model):
    """An asset (parent) that went into another (child), in a role. Never edited. An edge made by
    a generation names the ledger entry of the decision under which it ran."""

    ledger_type = "lineage_edge"

    parent = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="child_edges")
    child = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="parent_edges")
    role = models.CharField(max_length=16, choices=[(r, r) for r in EDGE_ROLES])
    decision_seq = models.BigIntegerField(
        null=True, blank=True, help_text="The ledger entry of the run decision that made the child"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["parent", "child", "role"], name="lineage_edge_unique")
        ]
        indexes = [models.Index(fields=["child"]), models.Index(fields=["parent"])]


class SigningIdentity(models.Model):
    """A certificate chain that signs outputs. The key is a path to a 0600 file, or a callback
    (KMS/HSM); never key material. Retired identities are kept, for verification and audit."""

    ledger_type = "signing_identity"

    name = models.CharField(max_length=100, unique=True)
    chain_pem = models.TextField(help_text="Signer certificate first, then intermediates")
    key_path = models.CharField(max_length=500, blank=True)
    passphrase_env = models.CharField(
        max_length=100, blank=True, help_text="Environment variable holding the key's passphrase"
    )
    passphrase_file = models.CharField(max_length=500, blank=True)
    callback = models.CharField(
        max_length=200, blank=True, help_text="package.module:function that signs bytes (KMS/HSM)"
    )
    subject = models.CharField(max_length=500)
    issuer = models.CharField(max_length=500)
    fingerprint = models.CharField(max_length=64)
    not_after = models.DateTimeField()
    development = models.BooleanField(default=False)
    active = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=models.Q(active=True), name="one_active_identity"
            )
        ]


class SignedOutput(models.Model):
    """An output signed with Content Credentials: which identity, which manifest."""

    ledger_type = "signed_output"

    asset = models.OneToOneField(Asset, on_delete=models.PROTECT, related_name="signed")
    identity = models.ForeignKey(SigningIdentity, on_delete=models.PROTECT, related_name="+")
    manifest_label = models.CharField(max_length=200, db_index=True)
    manifest = models.JSONField()
    manifest_store = models.BinaryField(
        default=b"", help_text="The signed manifest store, served by the soft-binding API"
    )
    soft_binding = models.BigIntegerField(
        null=True, db_index=True, help_text="pHash declared in the c2pa.soft-binding assertion"
    )
    created_at = models.DateTimeField(auto_now_add=True)


class Watermark(models.Model):
    """An identifier allocated to a run before its engine renders, which its output carries in its
    pixels; set to the signed output once that is recorded (a run that fails leaves it unset, and
    it then resolves to nothing)."""

    identifier = models.BigIntegerField(unique=True, help_text="1 to 2**32 - 1")
    output = models.OneToOneField(
        SignedOutput, null=True, blank=True, on_delete=models.PROTECT, related_name="watermark"
    )
    created_at = models.DateTimeField(auto_now_add=True)


class AssetCredential(models.Model):
    """The Content Credentials a registered asset carried when it was ingested."""

    ledger_type = "asset_credential"

    asset = models.OneToOneField(Asset, on_delete=models.PROTECT, related_name="credential")
    validation_state = models.CharField(max_length=16)
    failures = models.JSONField(default=list)
    active_manifest = models.CharField(max_length=200, blank=True)
    manifest_store = models.JSONField()
    training_mining = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)


class Fingerprint(models.Model):
    """The open_clip embedding (float32, centred and normalised) of an image, or of one keyframe
    of a video (frame_seconds)."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="fingerprints")
    frame_seconds = models.FloatField(null=True, blank=True)
    model = models.CharField(max_length=100)
    dims = models.PositiveIntegerField()
    embedding = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)


class PerceptualHash(models.Model):
    """A 64-bit pHash of an image or of one of its crops (see provenance.fingerprint.CROPS)."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="perceptual_hashes")
    variant = models.CharField(max_length=16)
    hash = models.BigIntegerField()


# --- Faces (provenance.faces) ----------------------------------------------------------------------
# Descriptors are biometric data: they are stored here only, never in a ledger entry (which names
# the asset by its hash), never served by an API or shown in the admin, and a performer's erasure
# deletes theirs (services.faces.talent_faces_erase).


class FaceScan(models.Model):
    """How an ingested asset's faces were looked for, once: how many frames, how many faces were
    described and skipped, and what that means for the asset, in words a person reads."""

    asset = models.OneToOneField(Asset, on_delete=models.CASCADE, related_name="face_scan")
    frames = models.PositiveIntegerField(default=1)
    faces = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    usable = models.BooleanField(
        default=True, help_text="For a likeness reference: it gave the performer's face (exactly one)"
    )
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class FaceReference(models.Model):
    """A performer's face, from one of their likeness references: what outputs and inputs are
    compared with."""

    talent = models.ForeignKey(
        "rightsledger.Talent", on_delete=models.CASCADE, related_name="face_references"
    )
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="face_references")
    descriptor = models.BinaryField(help_text="128 float32 (face_match.descriptor_to_bytes)")
    left = models.PositiveIntegerField()
    top = models.PositiveIntegerField()
    right = models.PositiveIntegerField()
    bottom = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["talent"])]


class AssetFace(models.Model):
    """A face found in an ingested asset other than a likeness reference (a plate, an element): in
    a still (frame_index 0), or in one keyframe of a clip (seconds). The gate compares it with the
    studio's performers."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="faces")
    frame_index = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(null=True, blank=True)
    left = models.PositiveIntegerField()
    top = models.PositiveIntegerField()
    right = models.PositiveIntegerField()
    bottom = models.PositiveIntegerField()
    descriptor = models.BinaryField(help_text="128 float32 (face_match.descriptor_to_bytes)")
    created_at = models.DateTimeField(auto_now_add=True)


class FaceSighting(models.Model):
    """A face found in a generated output (a still, or one keyframe of a clip): the performer it
    matched, if any, and at what distance; or why it was not compared (skipped). Holds no
    descriptor. lab_l, lab_a and lab_b: the mean L*a*b* of the face, for the continuity
    report."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="face_sightings")
    frame_index = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(null=True, blank=True)
    left = models.PositiveIntegerField()
    top = models.PositiveIntegerField()
    right = models.PositiveIntegerField()
    bottom = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    talent = models.ForeignKey(
        "rightsledger.Talent", null=True, blank=True, on_delete=models.PROTECT, related_name="face_sightings"
    )
    distance = models.FloatField(null=True, blank=True, help_text="To the nearest performer's reference")
    skipped = models.TextField(blank=True, help_text="Why the face was not compared, if it was not")
    lab_l = models.FloatField(null=True, blank=True)
    lab_a = models.FloatField(null=True, blank=True)
    lab_b = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["asset", "frame_index"]), models.Index(fields=["talent"])]
