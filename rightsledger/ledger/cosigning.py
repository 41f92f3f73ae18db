"""Witnesses, the C2SP way: each new checkpoint is submitted to the witnesses of the ledger's
witness policy (C2SP tlog-witness `add-checkpoint`, with the consistency proof from the size each
witness last cosigned), the cosignatures they return are verified against their keys (C2SP
tlog-cosignature) and kept, and the checkpoint is served with them attached.

The policy is a C2SP tlog-policy file (LEDGER_WITNESS_POLICY_FILE): a `witness <name> <vkey>
<submission URL>` line for each witness, and a `quorum` line. Submitting is a network call: it runs
in its own Celery task (tasks.ledger_cosign, sent by the publishing task), after the checkpoint has
committed, never in a web request nor in the publishing transaction. Each call has a timeout
(LEDGER_WITNESS_TIMEOUT_SECONDS); a witness that is down or refuses is logged, and is tried again
for the latest checkpoint by the next publish or the beat's.
"""

import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction

from ..models import Checkpoint, Guild, WitnessCosignature
from ..tlog.cosignature import Cosigner
from ..tlog.note import NoteError
from ..tlog.policy import NONE, Policy
from ..tlog.witness import accept_cosignatures, add_checkpoint_body, parse_conflict
from .checkpoints import latest_checkpoint
from .proofs import consistency_proof

log = logging.getLogger(__name__)
# A 409 names the size the witness last cosigned; the resend from there may meet another
# submission's, so a few rounds are allowed before the next publish tries again.
CONFLICT_ROUNDS = 3
_policies: dict[tuple[str, int, int], Policy] = {}


def witness_policy() -> Policy | None:
    """Return the ledger's witness policy, or None when no policy file is configured. The file is
    read again when it changes; a file that does not follow C2SP tlog-policy raises PolicyError."""
    path = settings.LEDGER_WITNESS_POLICY_FILE
    if not path:
        return None
    stat = Path(path).stat()
    stamp = (path, stat.st_mtime_ns, stat.st_size)
    if stamp not in _policies:
        _policies.clear()
        _policies[stamp] = Policy.parse(Path(path).read_bytes())
    return _policies[stamp]


@dataclass(frozen=True)
class Submission:
    """What came of submitting a checkpoint to one witness."""

    witness: str
    size: int
    outcome: str  # cosigned, already, refused, unreachable
    detail: str = ""


def _post(url: str, body: bytes) -> tuple[int, bytes]:
    """POST a body; return the status and at most 64 KiB of the answer. Raise OSError when the
    witness cannot be reached or does not answer in time."""
    if not url.startswith(("https://", "http://")):
        raise OSError(f"the submission URL {url!r} is not http(s)")
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "text/plain"})
    try:
        # Bandit's B310: the scheme is checked above, and the URL is the operator's own policy's.
        timeout = settings.LEDGER_WITNESS_TIMEOUT_SECONDS
        with urllib.request.urlopen(request, timeout=timeout) as response:  # nosec B310
            return response.status, response.read(65536)
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read(65536)


def _last_cosigned(vkey: str) -> int:
    """Return the size of the last checkpoint this witness cosigned for us, 0 before the first."""
    sizes = WitnessCosignature.objects.filter(vkey=vkey).order_by("-checkpoint_id")
    return sizes.values_list("checkpoint_id", flat=True).first() or 0


def witness_submit(name: str, cosigner: Cosigner, url: str, checkpoint: Checkpoint) -> Submission:
    """Submit a checkpoint to one witness (tlog-witness add-checkpoint at <url>/add-checkpoint);
    keep its verified cosignature. On 409 the request is sent again from the size the witness
    names. Raises OSError when the witness cannot be reached in time."""
    old, size = _last_cosigned(cosigner.vkey), checkpoint.size
    for _ in range(CONFLICT_ROUNDS):
        if old == size:
            return Submission(name, size, "already")
        if old > size:
            return Submission(
                name, size, "refused", f"the witness cosigned size {old}, beyond this log's {size}"
            )
        body = add_checkpoint_body(old, consistency_proof(old, size) if old else [], checkpoint.note)
        status, answer = _post(url.rstrip("/") + "/add-checkpoint", body)
        if status == 409:
            try:
                old = parse_conflict(answer)
            except NoteError as exc:
                return Submission(name, size, "refused", f"409 without a size: {exc}")
            continue
        if status != 200:
            said = answer[:200].decode("utf-8", "replace").strip()
            return Submission(name, size, "refused", f"{status}: {said}")
        try:
            cosigned, timestamp = accept_cosignatures(checkpoint.note, answer, cosigner)
        except NoteError as exc:
            return Submission(name, size, "refused", f"its answer does not verify: {exc}")
        try:
            with transaction.atomic():
                WitnessCosignature.objects.create(
                    checkpoint=checkpoint,
                    witness=name,
                    vkey=cosigner.vkey,
                    timestamp=timestamp,
                    line=cosigned[len(checkpoint.note) :],
                )
        except IntegrityError:
            pass  # another submission kept this witness's cosignature of this checkpoint first
        return Submission(name, size, "cosigned")
    return Submission(name, size, "refused", f"still in conflict after {CONFLICT_ROUNDS} rounds")


def ledger_cosign() -> list[Submission]:
    """Submit the latest checkpoint to every witness of the policy that has a submission URL and
    has not cosigned it yet; return what came of each. A witness that cannot be reached or refuses
    is logged and left for the next call. Never call this in a web request: it waits on the network."""
    policy, checkpoint = witness_policy(), latest_checkpoint()
    if policy is None or checkpoint is None:
        return []
    have = set(checkpoint.cosignatures.values_list("vkey", flat=True))
    out = []
    for name, cosigner in policy.witnesses.items():
        url = policy.witness_urls.get(name)
        if not url or cosigner.vkey in have:
            continue
        try:
            result = witness_submit(name, cosigner, url, checkpoint)
        except OSError as exc:
            result = Submission(name, checkpoint.size, "unreachable", str(exc))
        if result.outcome in ("refused", "unreachable"):
            log.warning(
                "witness %s did not cosign checkpoint %s (%s): %s",
                name,
                checkpoint.size,
                result.outcome,
                result.detail,
            )
        out.append(result)
    return out


def cosign_wanted() -> bool:
    """Return whether a witness of the policy has yet to cosign the latest checkpoint."""
    try:
        policy = witness_policy()
    except (OSError, NoteError):
        log.exception("the witness policy cannot be read")
        return False
    checkpoint = latest_checkpoint()
    if policy is None or checkpoint is None:
        return False
    have = set(checkpoint.cosignatures.values_list("vkey", flat=True))
    return any(policy.witness_urls.get(n) and c.vkey not in have for n, c in policy.witnesses.items())


def cosigned_note(checkpoint: Checkpoint) -> str:
    """Return the checkpoint's signed note with the cosignatures collected so far attached, as
    tlog-cosignature lines of the same note (in the order of the witnesses' names)."""
    lines = checkpoint.cosignatures.order_by("witness", "vkey").values_list("line", flat=True)
    return checkpoint.note + "".join(lines)


@dataclass(frozen=True)
class WitnessStatus:
    """One witness of a checkpoint: who runs it (a guild, when its key is a guild's), and when it
    cosigned (None if it has not)."""

    name: str
    vkey: str
    guild: str | None
    cosigned_at: int | None
    in_policy: bool


@dataclass(frozen=True)
class CheckpointWitnesses:
    size: int
    published_at: object  # datetime
    quorum: str
    quorum_met: bool
    witnesses: tuple[WitnessStatus, ...]


def checkpoint_witnesses(size: int | None = None) -> CheckpointWitnesses | None:
    """Return which witnesses cosigned a checkpoint (the latest by default) and whether the
    policy's quorum holds; None when there is no such checkpoint. Witnesses that cosigned it and
    have left the policy since are listed too, as not in the policy."""
    checkpoint = latest_checkpoint() if size is None else Checkpoint.objects.filter(size=size).first()
    if checkpoint is None:
        return None
    policy = witness_policy() or Policy()
    stored = {c.vkey: c for c in checkpoint.cosignatures.all()}
    configured = {c.vkey: n for n, c in policy.witnesses.items()}
    keys = [*stored, *configured]
    guilds = dict(Guild.objects.filter(witness_key__in=keys).values_list("witness_key", "name"))
    rows = [
        WitnessStatus(n, c.vkey, guilds.get(c.vkey), getattr(stored.get(c.vkey), "timestamp", None), True)
        for n, c in policy.witnesses.items()
    ]
    rows += [
        WitnessStatus(c.witness, c.vkey, guilds.get(c.vkey), c.timestamp, False)
        for c in stored.values()
        if c.vkey not in configured
    ]
    cosigned = {n for n, c in policy.witnesses.items() if c.vkey in stored}
    return CheckpointWitnesses(
        checkpoint.size, checkpoint.created_at, policy.quorum or NONE, policy.satisfied(cosigned), tuple(rows)
    )
