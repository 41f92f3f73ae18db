"""Signing identities: certificate chains and their keys, and the c2pa Signer made from them.

A development chain (root, intermediate, ES256 signer with the emailProtection EKU) is made here
with cryptography; its names say it is untrusted and for development only. A studio's chain is
imported as PEM with its key, which may be encrypted (passphrase from the environment or a file),
or reached through a callback signer (a KMS or HSM). Private keys live in 0600 files, never in
the database and never in a log.
"""

import datetime
import hashlib
import importlib
import os
from pathlib import Path

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEV_ORG = "Rightsledger development CA - UNTRUSTED, NOT FOR PRODUCTION"


def _name(common_name: str, organization: str = DEV_ORG) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        ]
    )


def is_development_name(name: x509.Name) -> bool:
    """Return whether a certificate's subject is one this module's development chains carry."""
    orgs = [a.value for a in name.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]
    return DEV_ORG in orgs


def _certificate(
    subject_key,
    subject,
    issuer_key,
    issuer,
    *,
    ca: bool,
    path_length=None,
    days=3650,
    issuer_is_self=False,
    valid_for: datetime.timedelta | None = None,
    eku=ExtendedKeyUsageOID.EMAIL_PROTECTION,
):
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(subject_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + (valid_for or datetime.timedelta(days=days)))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(subject_key.public_key()), critical=False)
    )
    if not issuer_is_self:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    usage = dict(
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        encipher_only=False,
        decipher_only=False,
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=False, key_cert_sign=True, crl_sign=True, **usage), critical=True
        )
    else:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, key_cert_sign=False, crl_sign=False, **usage), critical=True
        )
        # A time-stamping unit's certificate has that one purpose, marked critical (RFC 3161 2.3).
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([eku]), critical=eku == ExtendedKeyUsageOID.TIME_STAMPING
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)


def pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def dev_chain_create(directory: Path, label: str = "Rightsledger") -> dict:
    """Make a development chain in directory: root.pem, chain.pem (signer + intermediate) and
    signer.key (0600). Return the paths."""
    return chain_create(directory, label=f"{label} DEV", organization=DEV_ORG, marker=" - UNTRUSTED")


def dev_tsa_chain_create(directory: Path, label: str = "Rightsledger") -> dict:
    """Make a development time-stamping chain in directory, as dev_chain_create does: its leaf is
    a time-stamping unit (the timeStamping purpose, critical), for the development TSA."""
    return chain_create(
        directory,
        label=f"{label} DEV TSA",
        organization=DEV_ORG,
        marker=" - UNTRUSTED",
        leaf="Time-Stamping Unit",
        eku=ExtendedKeyUsageOID.TIME_STAMPING,
    )


def chain_create(
    directory: Path,
    *,
    label: str,
    organization: str,
    marker: str = "",
    leaf: str = "Content Credentials Signer",
    eku=ExtendedKeyUsageOID.EMAIL_PROTECTION,
    valid_for: datetime.timedelta | None = None,
) -> dict:
    """Make a chain as dev_chain_create does, under another organisation's name: a studio's
    staging chain, or (in the tests) a trust anchor that is not a development root. valid_for:
    the leaf's validity from now (two years unless given); eku: its one extended key usage."""
    directory = Path(directory)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = _certificate(
        root_key,
        _name(f"{label} Root CA{marker}", organization),
        root_key,
        _name(f"{label} Root CA{marker}", organization),
        ca=True,
        path_length=1,
        issuer_is_self=True,
    )
    int_key = ec.generate_private_key(ec.SECP256R1())
    intermediate = _certificate(
        int_key,
        _name(f"{label} Intermediate CA{marker}", organization),
        root_key,
        root.subject,
        ca=True,
        path_length=0,
    )
    signer_key = ec.generate_private_key(ec.SECP256R1())
    signer = _certificate(
        signer_key,
        _name(f"{label} {leaf}{marker}", organization),
        int_key,
        intermediate.subject,
        ca=False,
        days=730,
        valid_for=valid_for,
        eku=eku,
    )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "root.pem").write_text(pem(root))
    (directory / "chain.pem").write_text(pem(signer) + pem(intermediate))
    _write_private(
        directory / "signer.key",
        signer_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
    return {"root": directory / "root.pem", "chain": directory / "chain.pem", "key": directory / "signer.key"}


def chain_info(chain_pem: str) -> dict:
    """The signer certificate's subject, issuer, validity and fingerprint, from a PEM chain."""
    certs = x509.load_pem_x509_certificates(chain_pem.encode())
    if not certs:
        raise ValueError("no certificate in the chain")
    leaf = certs[0]
    return {
        "subject": leaf.subject.rfc4514_string(),
        "issuer": leaf.issuer.rfc4514_string(),
        "not_before": leaf.not_valid_before_utc,
        "not_after": leaf.not_valid_after_utc,
        "fingerprint": hashlib.sha256(leaf.public_bytes(serialization.Encoding.DER)).hexdigest(),
        "length": len(certs),
    }


def load_key(path: Path, passphrase: bytes | None):
    """Load a PEM private key (possibly encrypted). The key never leaves this process."""
    data = Path(path).read_bytes()
    try:
        return serialization.load_pem_private_key(data, password=passphrase)
    except TypeError:
        raise ValueError(
            "The key is encrypted: give its passphrase "
            "(SIGNING_KEY_PASSPHRASE or SIGNING_KEY_PASSPHRASE_FILE)."
        ) from None
    except ValueError as exc:
        raise ValueError("The key could not be read: wrong passphrase, or not a PEM private key.") from exc


def key_callback(private_key):
    """A c2pa signing callback over a key object: DER ECDSA from cryptography, turned into the
    raw r||s form COSE wants."""

    def sign(data: bytes) -> bytes:
        der = private_key.sign(data, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    return sign


def callback_from_path(dotted: str):
    """Import a callback 'package.module:function' (the seam for a KMS or HSM)."""
    module, _, attr = dotted.partition(":")
    return getattr(importlib.import_module(module), attr)


def make_signer(
    *,
    chain_pem: str,
    key_path: str | None = None,
    passphrase: bytes | None = None,
    callback=None,
    tsa_url: str | None = None,
) -> c2pa.Signer:
    """A c2pa Signer for ES256: through a callback when given (KMS/HSM), else from the key file.
    With tsa_url, each signature is time-stamped by that RFC 3161 authority as it is made."""
    if callback is None:
        callback = key_callback(load_key(Path(key_path), passphrase))
    return c2pa.Signer.from_callback(callback, c2pa.C2paSigningAlg.ES256, chain_pem, tsa_url or None)
