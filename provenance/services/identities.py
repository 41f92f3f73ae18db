"""Signing identities: registration, import and rotation (one recorded fact), the development
chain, and the signer for the active identity."""

import os
from pathlib import Path

import c2pa
from cryptography import x509
from django.conf import settings
from django.utils import timezone

from rightsledger.ledger.append import recording
from rightsledger.ledger.entry_types import EntryType

from .. import identity as ident
from ..models import SigningIdentity


class SigningError(Exception):
    """An output cannot be signed (no identity, unsupported format...)."""


def identity_register(
    *,
    actor=None,
    name: str,
    chain_pem: str,
    key_path: str = "",
    passphrase_env: str = "",
    passphrase_file: str = "",
    callback: str = "",
    development: bool = False,
    activate: bool = True,
) -> SigningIdentity:
    """Register a signing identity and, by default, make it the active one (the previous one is
    retired, and kept for verification); return it. Checks that the key opens and matches the
    chain. Registration, import and rotation are all this one recorded fact."""
    if SigningIdentity.objects.filter(name=name).exists():  # the name is unique: say so, not IntegrityError
        raise SigningError(f"A signing identity named {name!r} is already registered; give it another name.")
    info = ident.chain_info(chain_pem)
    if key_path and not callback:
        if not Path(key_path).exists():
            raise SigningError(f"No key file at {key_path}.")
        os.chmod(key_path, 0o600)
        key = ident.load_key(Path(key_path), _passphrase(passphrase_env, passphrase_file))
        leaf = x509.load_pem_x509_certificates(chain_pem.encode())[0]
        if key.public_key().public_numbers() != leaf.public_key().public_numbers():
            raise SigningError("The key does not belong to the chain's signer certificate.")
    elif not callback:
        raise SigningError("Give the signer's key file or a callback.")
    with recording(actor=actor) as rec:
        retired = []
        if activate:
            retired = list(
                SigningIdentity.objects.select_for_update().filter(active=True).values_list("pk", flat=True)
            )
            SigningIdentity.objects.filter(pk__in=retired).update(active=False, retired_at=timezone.now())
        identity = SigningIdentity.objects.create(
            name=name,
            chain_pem=chain_pem,
            key_path=key_path,
            passphrase_env=passphrase_env,
            passphrase_file=passphrase_file,
            callback=callback,
            subject=info["subject"],
            issuer=info["issuer"],
            fingerprint=info["fingerprint"],
            not_after=info["not_after"],
            development=development,
            active=activate,
        )
        # Who may sign for the studio is a fact: the identity, its certificate, and what it retires.
        rec.append(
            EntryType.SIGNING_IDENTITY_REGISTERED,
            {
                "identity": identity.pk,
                "fingerprint": info["fingerprint"],
                "subject": info["subject"],
                "issuer": info["issuer"],
                "not_after": info["not_after"].isoformat(),
                "active": activate,
                "development": development,
                "retires": retired,
                "key": "callback" if callback else "file",
            },
            record=identity,
        )
    return identity


def identity_dev_init() -> tuple[SigningIdentity, dict]:
    """Make a development chain under SIGNING_KEYS_DIR and register it as the active identity."""
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    paths = ident.dev_chain_create(Path(settings.SIGNING_KEYS_DIR) / f"dev-{stamp}")
    identity = identity_register(
        name=f"dev-{stamp}",
        chain_pem=paths["chain"].read_text(),
        key_path=str(paths["key"]),
        development=True,
    )
    return identity, paths


def _passphrase(env: str, path: str) -> bytes | None:
    if env:
        value = os.environ.get(env)
        if value is None:
            raise SigningError(f"The key's passphrase variable {env} is not set.")
        return value.encode()
    if path:
        return Path(path).read_bytes().strip()
    return None


def active_identity() -> SigningIdentity:
    """Return the identity outputs are signed with now; raise SigningError if there is none."""
    identity = SigningIdentity.objects.filter(active=True).first()
    if identity is None:
        raise SigningError(
            "No active signing identity: run `manage.py signing init --dev`, or import the studio's chain."
        )
    return identity


def signer_for(identity: SigningIdentity, *, tsa_url: str | None = None) -> c2pa.Signer:
    """Return a c2pa signer for an identity: its key file, or its KMS/HSM callback; with tsa_url,
    its signatures are time-stamped there."""
    callback = ident.callback_from_path(identity.callback) if identity.callback else None
    return ident.make_signer(
        chain_pem=identity.chain_pem,
        key_path=identity.key_path or None,
        passphrase=_passphrase(identity.passphrase_env, identity.passphrase_file),
        callback=callback,
        tsa_url=tsa_url,
    )
