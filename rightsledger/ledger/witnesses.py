"""Checkpoints a guild has seen and registered, so that the ledger must stay consistent with
them; and the report that proves it does (a rewritten history fails here). These records are
kept and still accepted beside the C2SP witnesses (ledger.cosigning): a guild that runs a witness
names its key here, and its cosignatures are then shown as the guild's."""

import base64

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from ..models import WitnessedCheckpoint
from ..tlog import merkle, note
from ..tlog.cosignature import Cosigner
from .append import recording
from .checkpoints import latest_checkpoint, verifier
from .entry_types import EntryType
from .proofs import b64_hashes, consistency_proof


def witness_register(*, actor, guild, note_text: str) -> WitnessedCheckpoint:
    """Record that a guild has seen a checkpoint, and return the record. The checkpoint must be
    signed by this ledger's key; registering the same size again returns the first record."""
    try:
        cp = note.Checkpoint.parse(note.open_note(note_text, verifier()))
    except note.NoteError as exc:
        raise ValidationError(
            {
                "note": ValidationError(
                    f"Not a checkpoint signed by this ledger: {exc}", code="checkpoint_invalid"
                )
            }
        ) from None
    if cp.origin != settings.LEDGER_ORIGIN:
        raise ValidationError(
            {
                "note": ValidationError(
                    f"The checkpoint is of {cp.origin}, not {settings.LEDGER_ORIGIN}.",
                    code="checkpoint_other_log",
                )
            }
        )
    existing = WitnessedCheckpoint.objects.filter(guild=guild, size=cp.size).first()
    if existing is not None:
        return existing
    try:
        with recording(actor=actor) as rec:
            witnessed = WitnessedCheckpoint.objects.create(
                guild=guild, size=cp.size, root=cp.root, note=note_text, created_by=actor
            )
            rec.append(
                EntryType.WITNESS_REGISTERED,
                {"witness": witnessed.pk, "guild": guild.pk, "size": cp.size, "root": cp.root.hex()},
                record=witnessed,
            )
    except IntegrityError:
        # Another registration of the same checkpoint committed between the read above and this
        # write (witness_guild_size_unique): the first one stands, as for a registration after it.
        existing = WitnessedCheckpoint.objects.filter(guild=guild, size=cp.size).first()
        if existing is None:
            raise
        return existing
    return witnessed


def guild_witness_key_set(*, actor, guild, vkey: str) -> None:
    """Record that a guild runs the C2SP witness of this key (a vkey of type 0x04), or none (an
    empty key). The ledger submits checkpoints to the witnesses of its policy; this says whose
    each is."""
    vkey = vkey.strip()
    if vkey:
        try:
            vkey = Cosigner.parse(vkey).vkey
        except note.NoteError as exc:
            raise ValidationError(
                {"vkey": ValidationError(f"Not a witness key: {exc}", code="witness_key_invalid")}
            ) from None
    with recording(actor=actor) as rec:
        guild.witness_key = vkey
        guild.save(update_fields=["witness_key"])
        rec.append(EntryType.GUILD_WITNESS_KEY_SET, {"guild": guild.pk, "witness_key": vkey}, record=guild)


def witness_report(guild) -> dict:
    """Return, for each checkpoint the guild witnessed, the consistency proof to the latest
    checkpoint and whether it verifies."""
    latest = latest_checkpoint()
    out = {"latest": latest.note if latest else None, "checkpoints": []}
    for w in WitnessedCheckpoint.objects.filter(guild=guild).order_by("size"):
        item = {
            "size": w.size,
            "root": base64.b64encode(bytes(w.root)).decode(),
            "witnessed_at": w.created_at.isoformat(),
        }
        if latest is None or w.size > latest.size:
            item.update(
                consistent=False,
                problem="The ledger's latest checkpoint is older than this one: the log was rolled back.",
            )
        else:
            try:
                proof = consistency_proof(w.size, latest.size)
                merkle.verify_consistency(w.size, latest.size, bytes(w.root), bytes(latest.root), proof)
                item.update(consistent=True, proof=b64_hashes(proof), to_size=latest.size)
            except (merkle.ProofError, LookupError, ValueError) as exc:
                item.update(consistent=False, problem=f"History was rewritten: {exc}")
        out["checkpoints"].append(item)
    return out
