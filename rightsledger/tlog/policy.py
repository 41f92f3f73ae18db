"""Which logs and witnesses a verifier trusts, and how many witnesses must cosign (C2SP
tlog-policy), as pure code.

    log <vkey> [<url>]
    witness <name> <vkey> [<url>]
    group <name> all|any|<k> <name>...
    quorum <name>|none

A checkpoint is accepted when one of the logs signed it (the log key's name is the checkpoint's
origin) and the quorum's witnesses cosigned it (C2SP tlog-cosignature).
"""

from dataclasses import dataclass, field

from .cosignature import Cosigner, cosignatures
from .note import Checkpoint, NoteError, SignatureError, Verifier, open_note

NONE = "none"
MAX_ITEMS = 256  # logs, witnesses and groups each; the spec asks for at least 32


class PolicyError(NoteError):
    """A policy file that does not follow C2SP tlog-policy."""


class QuorumError(SignatureError):
    """A checkpoint whose cosignatures do not meet the policy's quorum."""


@dataclass(frozen=True)
class Group:
    name: str
    threshold: int
    members: tuple[str, ...]


@dataclass(frozen=True)
class Witnessed:
    """A checkpoint that a policy accepts: which log signed it, and who cosigned it when."""

    checkpoint: Checkpoint
    log: str
    cosigned: dict[str, int]  # policy witness name -> POSIX timestamp of its cosignature
    quorum: str


@dataclass
class Policy:
    logs: list[Verifier] = field(default_factory=list)
    log_urls: dict[str, str] = field(default_factory=dict)
    witnesses: dict[str, Cosigner] = field(default_factory=dict)
    witness_urls: dict[str, str] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    quorum: str = NONE

    @classmethod
    def parse(cls, text: str | bytes) -> "Policy":
        """Return the policy a tlog-policy file states; raise PolicyError, naming the line, for a
        file that does not follow the spec."""
        data = text.encode() if isinstance(text, str) else text
        bad = next((b for b in data if b < 0x20 and b not in (9, 10) or b == 0x7F), None)
        if bad is not None:
            raise PolicyError(f"the policy holds the control character 0x{bad:02x}")
        policy, quorum, log_keys, witness_keys = cls(), None, set(), set()
        for number, raw in enumerate(data.split(b"\n"), 1):
            # Only ASCII space and tab separate words: other bytes, UTF-8 or not, are part of names.
            words = [w for w in raw.replace(b"\t", b" ").decode("utf-8", "surrogateescape").split(" ") if w]
            if not words or words[0].startswith("#"):
                continue
            where = f"policy line {number}"
            try:
                kind, args = words[0], words[1:]
                if kind == "log":
                    if len(args) not in (1, 2):
                        raise PolicyError("a log line is: log <vkey> [<url>]")
                    v = Verifier.parse(args[0])
                    policy._unique_key(log_keys, v.key)
                    policy.logs.append(v)
                    if len(args) == 2:
                        policy.log_urls[v.name] = args[1]
                elif kind == "witness":
                    if len(args) not in (2, 3):
                        raise PolicyError("a witness line is: witness <name> <vkey> [<url>]")
                    policy._new_name(args[0])
                    c = Cosigner.parse(args[1])
                    policy._unique_key(witness_keys, c.key)
                    policy.witnesses[args[0]] = c
                    if len(args) == 3:
                        policy.witness_urls[args[0]] = args[2]
                elif kind == "group":
                    policy._group(args)
                elif kind == "quorum":
                    if quorum is not None:
                        raise PolicyError("a policy has exactly one quorum line")
                    if len(args) != 1 or not (args[0] == NONE or policy._known(args[0])):
                        raise PolicyError("the quorum names none, or a witness or group defined above it")
                    quorum = args[0]
                else:
                    raise PolicyError(f"unknown line {kind!r}: expected log, witness, group or quorum")
                if max(len(policy.logs), len(policy.witnesses), len(policy.groups)) > MAX_ITEMS:
                    raise PolicyError(f"at most {MAX_ITEMS} logs, witnesses and groups")
            except NoteError as exc:
                raise PolicyError(f"{where}: {exc}") from None
        if quorum is None:
            raise PolicyError("the policy has no quorum line (write `quorum none` to need no witness)")
        policy.quorum = quorum
        return policy

    def _known(self, name: str) -> bool:
        return name in self.witnesses or name in self.groups

    def _new_name(self, name: str) -> None:
        if name == NONE or self._known(name):
            raise PolicyError(f"the name {name!r} is already taken")

    def _unique_key(self, keys: set, key) -> None:
        raw = key.public_bytes_raw()
        if raw in keys:
            raise PolicyError("the same public key is listed twice")
        keys.add(raw)

    def _group(self, args: list[str]) -> None:
        if len(args) < 3:
            raise PolicyError("a group line is: group <name> all|any|<k> <name>...")
        name, k, members = args[0], args[1], args[2:]
        self._new_name(name)
        if len(set(members)) != len(members):
            raise PolicyError(f"group {name} lists a member twice")
        for m in members:
            if m == NONE or not self._known(m):
                raise PolicyError(f"group {name}: {m!r} is not a witness or group defined above it")
        if k == "all":
            threshold = len(members)
        elif k == "any":
            threshold = 1
        elif k.isdigit() and k.isascii() and str(int(k)) == k and 1 <= int(k) <= len(members):
            threshold = int(k)
        else:
            raise PolicyError(
                f"group {name}: the threshold is all, any, or a number from 1 to {len(members)}"
            )
        self.groups[name] = Group(name, threshold, tuple(members))

    def satisfied(self, cosigned: set[str], name: str | None = None) -> bool:
        """Return whether witnesses `cosigned` (policy names) meet the quorum (or group `name`)."""
        name = self.quorum if name is None else name
        if name == NONE:
            return True
        if name in self.witnesses:
            return name in cosigned
        group = self.groups[name]
        return sum(self.satisfied(cosigned, m) for m in group.members) >= group.threshold

    def check(self, note: str, logs: list[Verifier] | None = None, now: int | None = None) -> Witnessed:
        """Return the checkpoint of a note that one of the logs (the policy's, and any given)
        signed and the quorum cosigned. Raise SignatureError (QuorumError when too few witnesses
        cosigned) or NoteError. With `now`, a cosignature dated over ten minutes later is refused."""
        candidates = list(self.logs) + list(logs or [])
        if not candidates:
            raise PolicyError("no log key: give the log's key or list it in the policy")
        checkpoint, signer, last = None, None, None
        for log in candidates:
            try:
                text = open_note(note, log)
            except SignatureError as exc:
                last = exc
                continue
            checkpoint, signer = Checkpoint.parse(text), log.name
            if checkpoint.origin != log.name:
                raise SignatureError(
                    f"the checkpoint is of {checkpoint.origin}, signed by the key of {log.name}"
                )
            break
        if checkpoint is None:
            raise last
        by_key = cosignatures(note, list(self.witnesses.values()))
        cosigned = {n: by_key[c.vkey] for n, c in self.witnesses.items() if c.vkey in by_key}
        if now is not None:
            for n, t in cosigned.items():
                if t > now + 600:
                    raise SignatureError(f"witness {n}'s cosignature is dated in the future ({t})")
        if not self.satisfied(set(cosigned)):
            have = ", ".join(sorted(cosigned)) or "no witness"
            raise QuorumError(
                f"the checkpoint was cosigned by {have}: that does not meet the quorum {self.quorum}"
            )
        return Witnessed(checkpoint, signer, cosigned, self.quorum)
