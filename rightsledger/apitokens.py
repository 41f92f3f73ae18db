"""API tokens for machines: their shape, their hash and what each scope lets through. Pure: no
Django import, so the rules are tested alone.

A token reads `rl_<public id>_<secret>`: "rl_" says whose it is (a secret scanner, or a person, can
tell it from any other), the public id names it to support and on the portal without its secret,
and the secret is 32 random bytes. Only the SHA-256 of the whole token is kept: with 256 bits of
randomness behind it a plain hash is as safe as a keyed one, and it survives a change of
SECRET_KEY."""

import hashlib
import re
import secrets
from dataclasses import dataclass

from . import vocab

PREFIX = "rl_"
# Lower-case letters and digits a person can read aloud without doubt (no 0/o, 1/l/i).
PUBLIC_ID_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
PUBLIC_ID_LENGTH = 8
SECRET_BYTES = 32
SHAPE = re.compile(r"rl_([a-z2-9]{8})_([A-Za-z0-9_-]{43})")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

REFUSED_TRAINING_ONLY = "This token may only ask for training clearance."
REFUSED_READ_ONLY = "This token is read-only: it may not change anything."


@dataclass(frozen=True)
class NewToken:
    """A token as it is made: the whole text (shown once), its public id and its hash."""

    text: str
    public_id: str
    sha256: str


def token_hash(text: str) -> str:
    """Return the SHA-256 (hex) a token is kept and looked up as."""
    return hashlib.sha256(text.encode()).hexdigest()


def token_new() -> NewToken:
    """Return a new random token."""
    public_id = "".join(secrets.choice(PUBLIC_ID_ALPHABET) for _ in range(PUBLIC_ID_LENGTH))
    text = f"{PREFIX}{public_id}_{secrets.token_urlsafe(SECRET_BYTES)}"
    return NewToken(text=text, public_id=public_id, sha256=token_hash(text))


def public_id_of(text: str) -> str | None:
    """Return the public id of a text shaped like one of our tokens; None if it is not."""
    m = SHAPE.fullmatch(text)
    return m.group(1) if m else None


def looks_like_ours(text: str) -> bool:
    """Return whether a credential is meant to be one of these tokens (rather than an older
    40-character DRF token)."""
    return text.startswith(PREFIX)


def scope_refusal(scope: str, *, method: str, training_clearance: bool, writes_nothing: bool) -> str | None:
    """Return why a token of this scope may not make this request; None if it may.

    training_clearance: the endpoint answers whether files may be used for training (or resolves a
    copy to its Content Credentials, which a dataset builder asks for the same reason).
    writes_nothing: the endpoint takes a POST only to carry a question, and records nothing."""
    if scope == vocab.TOKEN_SCOPE_FULL:
        return None
    if scope == vocab.TOKEN_SCOPE_TRAINING_CLEARANCE:
        return None if training_clearance else REFUSED_TRAINING_ONLY
    if scope == vocab.TOKEN_SCOPE_READ_ONLY:
        return None if method.upper() in SAFE_METHODS or writes_nothing else REFUSED_READ_ONLY
    return "This token's scope is not known; create a new token."
