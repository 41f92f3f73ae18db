"""rightsledger-verify: check ledger proofs offline, with only the ledger's public key.

    rightsledger-verify bundle BUNDLE.json --key KEY
        each entry -> leaf hash -> inclusion proof -> root -> checkpoint signature
    rightsledger-verify consistency OLD.checkpoint NEW.checkpoint PROOF.json --key KEY
        the newer checkpoint's tree extends the older one's (history was not rewritten)
    rightsledger-verify proof FILE --log-key KEY [--witness-policy POLICY] [--entry ENTRY]
        a C2SP tlog-proof file: its entry -> inclusion proof -> checkpoint signed by the ledger
        and cosigned by the witnesses that POLICY (a C2SP tlog-policy file) requires. FILE is
        the proof file, or a signed output (JPEG, PNG, MP4...) whose Content Credentials carry
        one (the tlog_proof field of its decision assertion). --key and --policy are the same.

KEY is the verifier key string (name+keyid+base64), or @FILE holding it.
Exit codes: 0 verified, 1 a proof failed, 2 bad input. Imports no Django and needs no database.
"""

import argparse
import base64
import binascii
import datetime
import json
import sys
import time

from .entry import canonical, leaf_hash
from .merkle import ProofError, verify_consistency, verify_inclusion
from .note import Checkpoint, NoteError, SignatureError, Verifier, open_note
from .policy import Policy
from .proof import verify_proof_file
from .signed import embedded_proof, is_proof_file

BUNDLE_FORMAT = "rightsledger-proof-bundle/1"


class BadInput(Exception):
    pass


def _b64(value, what) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise BadInput(f"{what} is not valid base64") from None


def verify_checkpoint(note: str, verifier: Verifier) -> Checkpoint:
    """Return the checkpoint if the note is signed by the verifier's key; raise NoteError otherwise."""
    return Checkpoint.parse(open_note(note, verifier))


def verify_bundle(bundle: dict, verifier: Verifier) -> list[str]:
    """Check every entry of a proof bundle. Return one line per entry verified; raise ProofError,
    NoteError or BadInput."""
    if bundle.get("format") != BUNDLE_FORMAT:
        raise BadInput(f"not a proof bundle (format {bundle.get('format')!r}, expected {BUNDLE_FORMAT})")
    try:
        checkpoint = verify_checkpoint(bundle["checkpoint"], verifier)
    except KeyError:
        raise BadInput("the bundle has no checkpoint") from None
    lines = [f"checkpoint {checkpoint.origin} size {checkpoint.size}: signature by {verifier.name} verified"]
    entries = bundle.get("entries")
    if not isinstance(entries, list) or not entries:
        raise BadInput("the bundle has no entries")
    for item in entries:
        try:
            data = _b64(item["entry"], "entry")
            index, claimed = int(item["leaf_index"]), bytes.fromhex(item["leaf_hash"])
            proof = [_b64(p, "proof step") for p in item["proof"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise BadInput(f"malformed bundle entry: {exc}") from None
        try:
            decoded = json.loads(data)
        except ValueError:
            raise ProofError(f"entry at leaf {index} is not JSON") from None
        if canonical(decoded) != data:
            raise ProofError(f"entry at leaf {index} is not in canonical (RFC 8785) form")
        if leaf_hash(data) != claimed:
            raise ProofError(f"entry seq {decoded.get('seq')}: its bytes do not hash to the leaf hash given")
        try:
            verify_inclusion(index, checkpoint.size, claimed, proof, checkpoint.root)
        except ProofError as exc:
            raise ProofError(f"entry seq {decoded.get('seq')} at leaf {index}: {exc}") from None
        lines.append(
            f"entry seq {decoded.get('seq')} ({decoded.get('type')}) "
            f"at leaf {index}: included in the checkpoint"
        )
    return lines


def verify_checkpoints(old_note: str, new_note: str, proof: dict, verifier: Verifier) -> str:
    old, new = verify_checkpoint(old_note, verifier), verify_checkpoint(new_note, verifier)
    if old.origin != new.origin:
        raise ProofError(f"the checkpoints are of different logs ({old.origin} and {new.origin})")
    try:
        steps = [_b64(p, "proof step") for p in proof["proof"]]
        sizes = int(proof.get("old_size", old.size)), int(proof.get("new_size", new.size))
    except (KeyError, TypeError, ValueError) as exc:
        raise BadInput(f"malformed consistency proof: {exc}") from None
    if sizes != (old.size, new.size):
        raise BadInput(f"the proof is between sizes {sizes}, the checkpoints are {old.size} and {new.size}")
    verify_consistency(old.size, new.size, old.root, new.root, steps)
    return f"consistent: the tree of size {new.size} extends the tree of size {old.size}"


def verify_proof(
    data: bytes, verifier: Verifier, policy_text: bytes | None, entry: bytes | None = None
) -> list[str]:
    """Check a C2SP tlog-proof file offline. Return the lines that say what was proven; raise
    ProofError, SignatureError, NoteError or BadInput."""
    policy = Policy.parse(policy_text if policy_text is not None else b"quorum none\n")
    proven = verify_proof_file(data, verifier, policy, entry_bytes=entry, now=int(time.time()))
    cp, witnessed = proven.witnessed.checkpoint, proven.witnessed
    lines = [f"checkpoint {cp.origin} size {cp.size}: signature by {witnessed.log} verified"]
    for name, stamp in sorted(witnessed.cosigned.items()):
        try:
            when = datetime.datetime.fromtimestamp(stamp, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        except (OverflowError, ValueError, OSError):
            when = f"POSIX time {stamp}"
        lines.append(f"cosigned by witness {name} ({policy.witnesses[name].name}) at {when}")
    if policy_text is None:
        lines.append("no witness policy given (--policy): no cosignature was required")
    else:
        lines.append(f"witness quorum {witnessed.quorum}: met")
    try:
        decoded = json.loads(proven.entry)
    except ValueError:
        raise ProofError(f"entry at leaf {proven.index} is not JSON") from None
    if not isinstance(decoded, dict) or canonical(decoded) != proven.entry:
        raise ProofError(f"entry at leaf {proven.index} is not a ledger entry in canonical (RFC 8785) form")
    what = f"entry seq {decoded.get('seq')} ({decoded.get('type')})"
    lines.append(f"{what} is leaf {proven.index}: included in the checkpoint")
    return lines


def _read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror}") from None


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror}") from None


def _json(path: str) -> dict:
    try:
        return json.loads(_read(path))
    except ValueError as exc:
        raise BadInput(f"{path} is not JSON") from exc


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="rightsledger-verify", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("bundle", help="verify a consent's (or any record's) proof bundle")
    b.add_argument("bundle")
    c = sub.add_parser("consistency", help="verify that a newer checkpoint extends an older one")
    c.add_argument("old")
    c.add_argument("new")
    c.add_argument("proof")
    p = sub.add_parser("proof", help="verify a C2SP tlog-proof file: entry, inclusion, cosigned checkpoint")
    p.add_argument("proof", help="a .tlog-proof file, or a signed output that carries one")
    p.add_argument(
        "--policy",
        "--witness-policy",
        dest="policy",
        help="a C2SP tlog-policy file: the witnesses and the quorum required",
    )
    p.add_argument("--entry", help="a file of the entry's bytes, when the proof file does not carry them")
    for x in (b, c, p):
        x.add_argument(
            "--key", "--log-key", dest="key", required=True, help="the ledger's verifier key, or @FILE"
        )
    args = parser.parse_args(argv)
    try:
        key = _read(args.key[1:]) if args.key.startswith("@") else args.key
        verifier = Verifier.parse(key)
        if args.command == "bundle":
            lines = verify_bundle(_json(args.bundle), verifier)
        elif args.command == "proof":
            policy = _read_bytes(args.policy) if args.policy else None
            entry = _read_bytes(args.entry) if args.entry else None
            data, lines = _read_bytes(args.proof), []
            if not is_proof_file(data):
                found = embedded_proof(data)
                data = found.proof
                lines.append(
                    f"proof read from the file's Content Credentials ({found.label}); c2pa reads "
                    f"their signature as {found.validation_state}; who signed them is not checked here"
                )
            lines += verify_proof(data, verifier, policy, entry)
        else:
            lines = [verify_checkpoints(_read(args.old), _read(args.new), _json(args.proof), verifier)]
    except (ProofError, SignatureError) as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    except (BadInput, NoteError) as exc:
        print(f"rightsledger-verify: bad input: {exc}", file=sys.stderr)
        return 2
    for line in lines:
        print(line)
    print("VERIFIED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
