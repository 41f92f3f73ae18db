"""What each witness of the policy has cosigned, against this ledger's latest checkpoint: the check
to run after a restore (docs/backup.md, "A restore from an older dump"). A restore from an older
dump takes the ledger back to the dump's size, and the cosignatures kept in the database go back
with it; only the witnesses still know how far the log had come. This asks them.

tlog-witness has no read request, so each is asked with add-checkpoint: the latest checkpoint, from
its own size with an empty proof. A witness at that very checkpoint cosigns it again (200); one at
another size answers 409 with the size it has cosigned; one at this size with another root refuses
the proof (422). Nothing is written here: the answer only reports."""

from dataclasses import dataclass

from ..tlog.note import NoteError
from ..tlog.witness import add_checkpoint_body, parse_conflict
from .checkpoints import latest_checkpoint
from .cosigning import _post, witness_policy

WHAT_TO_DO = (
    'Do not start writers on this database: see docs/backup.md, "A restore from an older dump" '
    "(recover the missing transactions by point-in-time recovery, or tell the guilds and the "
    "witness operators what was lost)."
)


@dataclass(frozen=True)
class WitnessState:
    """How far one witness has cosigned this log, against the ledger's latest checkpoint."""

    witness: str
    size: int  # the ledger's latest checkpoint
    state: str  # level, behind, ahead, forked, unknown
    cosigned: int | None = None  # the size the witness has cosigned, where it said
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.state in ("level", "behind")

    @property
    def sentence(self) -> str:
        if self.state == "level":
            return f"{self.witness}: cosigned this ledger's latest checkpoint, size {self.size}."
        if self.state == "behind":
            return (
                f"{self.witness}: cosigned size {self.cosigned}, behind this ledger's latest "
                f"checkpoint {self.size}; `ledger cosign` brings it up."
            )
        if self.state == "ahead":
            return (
                f"{self.witness}: cosigned size {self.cosigned}, beyond this ledger's latest checkpoint "
                f"{self.size}: the entries from {self.size} to {self.cosigned} are missing here, as "
                f"after a restore from an older dump. {WHAT_TO_DO}"
            )
        if self.state == "forked":
            return (
                f"{self.witness}: cosigned another tree of size {self.size}: this ledger's history "
                f"differs from what the witness saw. {WHAT_TO_DO}"
            )
        return f"{self.witness}: could not be asked ({self.detail}); ask its operator what it last cosigned."


def witness_states() -> list[WitnessState]:
    """Ask each witness of the policy that has a submission URL how far it has cosigned this log;
    return one state a witness. Waits on the network: never call it in a web request."""
    policy, checkpoint = witness_policy(), latest_checkpoint()
    if policy is None or checkpoint is None:
        return []
    size, out = checkpoint.size, []
    for name in policy.witnesses:
        url = policy.witness_urls.get(name)
        if not url:
            continue
        try:
            status, answer = _post(
                url.rstrip("/") + "/add-checkpoint", add_checkpoint_body(size, [], checkpoint.note)
            )
        except OSError as exc:
            out.append(WitnessState(name, size, "unknown", detail=str(exc)))
            continue
        if status == 200:
            out.append(WitnessState(name, size, "level", size))
        elif status == 409:
            try:
                cosigned = parse_conflict(answer)
            except NoteError as exc:
                out.append(WitnessState(name, size, "unknown", detail=f"409 without a size: {exc}"))
                continue
            out.append(WitnessState(name, size, "ahead" if cosigned > size else "behind", cosigned))
        elif status == 422:
            out.append(WitnessState(name, size, "forked", size))
        else:
            said = answer[:200].decode("utf-8", "replace").strip()
            out.append(WitnessState(name, size, "unknown", detail=f"it answered {status}: {said}"))
    return out
