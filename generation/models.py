"""Generation requests, the gate's decisions, clearance sign-offs, runs and outputs.

Decisions and sign-offs are never edited; a request's status is its working state, and every
change of it that matters (decision, sign-off, queueing, run, output, failure) is a ledger entry.
"""

from django.conf import settings
from django.db import models

from rightsledger import vocab
from rightsledger.models import Asset, CommitsText, Production, Shot, Talent
from rightsledger.vocab import choices

INPUT_ROLES = ("plate", "reference", "element", "likeness", "style")
OUTCOMES = ("approved", "refused", "needs_clearance")
DECISION_KINDS = ("gate", "run_check", "likeness_check")
STATUSES = (
    "refused",  # the gate refused it
    "needs_clearance",  # waiting for a clearance user's sign-off
    "approved",  # may be queued
    "queued",
    "running",
    "succeeded",
    "stopped",  # the check at run time refused it: nothing ran
    "failed",  # the run failed (the engine, or a lost worker); it can be retried
    "held",  # the output looks like a performer no consent of the request covers: held for clearance
)
MATCH_METHODS = ("registered", "sha256", "fingerprint", "unregistered")


class GenerationRequest(CommitsText):
    ledger_type = "generation_request"
    personal_fields = ("prompt", "synthetic_justification", "failure")

    production = models.ForeignKey(Production, on_delete=models.PROTECT, related_name="generation_requests")
    shot = models.ForeignKey(Shot, on_delete=models.PROTECT, related_name="generation_requests")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="generation_requests"
    )
    engine = models.CharField(max_length=64)
    engine_version = models.CharField(max_length=32)
    prompt = models.TextField(blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    seed = models.BigIntegerField()
    intended_use = models.CharField(max_length=32, choices=choices(vocab.GENERATION_USES))
    media = models.JSONField(default=list)
    territories = models.JSONField(default=list)
    territory_exclusions = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    release_start = models.DateField()
    release_end = models.DateField()
    synthetic_justification = models.TextField(
        blank=True, help_text="Why a synthetic performer is used rather than a performer (R8)"
    )
    advertising_disclosure_acknowledged = models.BooleanField(
        default=False, help_text="The advertisement will disclose its synthetic performer or replica (R11)"
    )
    talents = models.ManyToManyField(
        Talent,
        blank=True,
        related_name="generation_requests",
        help_text="Talent involved: likeness inputs and names in the prompt",
    )
    status = models.CharField(max_length=20, choices=choices(STATUSES))
    run_when_approved = models.BooleanField(
        default=False, help_text="Queue the run as soon as it is approved (by the gate or a sign-off)"
    )
    attempts = models.PositiveIntegerField(default=0)
    lease_expires = models.DateTimeField(
        null=True, blank=True, help_text="While running: when the run is presumed lost"
    )
    failure = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["production", "status"]),
            models.Index(fields=["status", "lease_expires"]),
        ]


class RequestInput(models.Model):
    request = models.ForeignKey(GenerationRequest, on_delete=models.CASCADE, related_name="inputs")
    position = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=16, choices=choices(INPUT_ROLES))
    asset = models.ForeignKey(
        Asset, on_delete=models.PROTECT, null=True, blank=True, related_name="request_inputs"
    )
    sha256 = models.CharField(max_length=64)
    match = models.CharField(max_length=16, choices=choices(MATCH_METHODS))
    match_score = models.FloatField(null=True, blank=True)
    modality = models.CharField(
        max_length=16, blank=True, help_text="For a likeness input: face, body, voice..."
    )
    frame_start = models.PositiveIntegerField(
        null=True, blank=True, help_text="For a clip: the first frame used (from 0)"
    )
    frame_end = models.PositiveIntegerField(
        null=True, blank=True, help_text="For a clip: the last frame used, included"
    )

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["request", "position"], name="request_input_position_unique")
        ]

    @property
    def frames(self) -> tuple[int, int] | None:
        return (self.frame_start, self.frame_end) if self.frame_start is not None else None


class Decision(CommitsText):
    """The policy's outcome for a request, with one reason per rule per input or talent."""

    ledger_type = "decision"
    personal_fields = ("reasons",)  # their sentences name people

    request = models.ForeignKey(GenerationRequest, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(max_length=16, choices=choices(DECISION_KINDS))
    outcome = models.CharField(max_length=16, choices=choices(OUTCOMES))
    reasons = models.JSONField(default=list)
    as_of_seq = models.BigIntegerField(
        help_text="The highest ledger sequence number the decision saw: it was taken on the records as of it"
    )
    ledger_seq = models.BigIntegerField(null=True, help_text="The ledger entry recording this decision")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class SignOff(CommitsText):
    """A clearance user's approval or refusal of a needs_clearance decision. One per decision."""

    ledger_type = "sign_off"
    personal_fields = ("comment",)

    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="sign_off")
    request = models.ForeignKey(GenerationRequest, on_delete=models.PROTECT, related_name="sign_offs")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved = models.BooleanField()
    comment = models.TextField()
    ledger_seq = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)


class GenerationOutput(models.Model):
    """The one output of a request: recorded once, however often its task runs."""

    ledger_type = "generation_output"

    request = models.OneToOneField(GenerationRequest, on_delete=models.PROTECT, related_name="output")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="+")
    run_decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="+")
    engine_metadata = models.JSONField(default=dict)
    engine_seconds = models.FloatField()
    ledger_seq = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)


class OutputDisclosure(CommitsText):
    """An output's position under Art. 50 of the EU AI Act. Never edited: the first is recorded by
    default when the output is kept; a clearance user's decision is a new one, and the latest is
    the output's position."""

    ledger_type = "output_disclosure"
    personal_fields = ("reason",)

    output = models.ForeignKey(GenerationOutput, on_delete=models.PROTECT, related_name="disclosures")
    position = models.CharField(max_length=16, choices=choices(vocab.DISCLOSURE_POSITIONS))
    basis = models.CharField(max_length=16, choices=choices(vocab.DISCLOSURE_BASES))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The clearance user who decided; empty for the default recorded with the output",
    )
    reason = models.TextField(blank=True, help_text="Why clearance decided so")
    ledger_seq = models.BigIntegerField(help_text="The ledger entry recording this position")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["output", "-id"], name="generation_disclosure_latest")]


class SubmissionKey(models.Model):
    """An Idempotency-Key a client sent with a submission, and the request it made: the same key
    again (a retry after a lost answer) returns that request instead of making a second one."""

    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    body_sha256 = models.CharField(max_length=64)
    request = models.OneToOneField(GenerationRequest, on_delete=models.CASCADE, related_name="submission_key")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["requester", "key"], name="submission_key_unique")]
