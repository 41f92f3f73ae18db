"""The append-only ledger: its entries, its Merkle tree, its checkpoints and their witnesses."""

from django.conf import settings
from django.db import models

from .registry import Guild, Production


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
    production = models.ForeignKey(
        Production, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
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


class WitnessCosignature(models.Model):
    """A witness's C2SP tlog-cosignature of a checkpoint, verified against the witness's key when it
    was collected, and served as a signature line of the checkpoint's note. Never edited: a
    cosignature is self-certifying, and neither a ledger entry (publishing would never end) nor a
    ledger-backed record."""

    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.PROTECT, related_name="cosignatures", db_column="size"
    )
    witness = models.CharField(max_length=200, help_text="The witness's name in the witness policy")
    vkey = models.CharField(max_length=300, help_text="The witness's key (vkey, type 0x04)")
    timestamp = models.BigIntegerField(help_text="The POSIX time the witness cosigned at")
    line = models.TextField(help_text="The signature line, newline included")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["checkpoint", "vkey"], name="cosignature_checkpoint_key_unique")
        ]
        indexes = [models.Index(fields=["vkey", "checkpoint"])]
        ordering = ["checkpoint", "witness"]


class LedgerTile(models.Model):
    """A tile as C2SP tlog-tiles serves it, written by the sequencer as it integrates: a hash tile
    (level >= 0) or an entry bundle (level -1). A full tile (width 256) never changes; the
    rightmost tile of a level grows in place, and its partial tile of width w is its first w
    hashes (or entries), so one row serves every width. The key packs (level + 1) << 56 | index."""

    key = models.BigIntegerField(primary_key=True)
    width = models.SmallIntegerField()
    data = models.BinaryField()

    @staticmethod
    def key_of(level: int, index: int) -> int:
        return ((level + 1) << 56) | index
