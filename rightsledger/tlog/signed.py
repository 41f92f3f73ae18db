"""The ledger proof a signed file carries: the C2SP tlog-proof file held, as text, in the
`tlog_proof` field of an assertion of the file's active C2PA manifest (Rightsledger's decision
assertion, com.rightsledger.decision, carries there the proof of the decision that allowed the
output). Read with c2pa-python's Reader. This proves the decision is in the ledger; that the file
is the one the manifest was signed for is the manifest's own signature, which c2patool or the
portal's verify page checks, not this module."""

import io
import json
from dataclasses import dataclass

import c2pa
import filetype

from .proof import HEADER, ProofFileError

FIELD = "tlog_proof"


@dataclass(frozen=True)
class Embedded:
    """A proof file read from a signed file, with the label of the assertion that held it and
    what c2pa's reader says of the manifest's signature (trust is not configured here)."""

    proof: bytes
    label: str
    validation_state: str


def is_proof_file(data: bytes) -> bool:
    """Return whether the bytes are a tlog-proof file itself, rather than a file that may carry one."""
    return data.startswith(HEADER.encode() + b"\n")


def embedded_proof(data: bytes) -> Embedded:
    """Return the tlog-proof file the signed file's active manifest carries. Raise ProofFileError
    for a file that c2pa cannot read, that has no Content Credentials, or whose active manifest
    carries no proof."""
    kind = filetype.guess(data[:8192])
    if kind is None:
        raise ProofFileError("neither a tlog proof nor a file type that carries Content Credentials")
    try:
        reader = c2pa.Reader(kind.mime, io.BytesIO(data))
        store, state = json.loads(reader.json()), str(reader.get_validation_state())
    except c2pa.C2paError as exc:
        raise ProofFileError(f"the {kind.mime} file's Content Credentials cannot be read: {exc}") from None
    active = store.get("manifests", {}).get(store.get("active_manifest"), {})
    for assertion in active.get("assertions", []):
        found = assertion.get("data")
        text = found.get(FIELD) if isinstance(found, dict) else None
        if isinstance(text, str):
            return Embedded(text.encode(), assertion.get("label", ""), state)
    raise ProofFileError("the file's Content Credentials carry no ledger proof (no tlog_proof field)")
