"""C2PA Trust Lists, as the C2PA conformance program publishes them: ETSI TS 119 602 Lists of
Trusted Entities in JSON (C2PA-TRUST-LIST.json for signers' anchors, C2PA-TSA-TRUST-LIST.json for
time-stamp authorities'), read into PEM trust anchors for c2pa's reader.

The shape read: {"LoTE": {"ListAndSchemeInformation": {...}, "TrustedEntitiesList": [{
"TrustedEntityInformation": {"TEName": [...]}, "TrustedEntityServices": [{"ServiceInformation": {
"ServiceName": [...], "ServiceDigitalIdentity": {"X509Certificates": [{"val": base64 DER}]},
"ServiceStatus": ".../trusted"}}]}]}}. A service whose status is not "trusted" (withdrawn) gives no
anchor. A problem names the file and where in it, so a start-up that refuses the list says why.
"""

import base64
import binascii
import functools
import json
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

TRUSTED_STATUS = "/trusted"  # C2PA's: http://c2pa.org/conformance/trust-list/trusted


class TrustListError(ValueError):
    """A trust list file that cannot be read, or is not a list of trusted entities."""


def _name(names, fallback: str) -> str:
    """The first value of a multilingual name ([{"lang", "value"}]), else fallback."""
    if isinstance(names, list):
        for n in names:
            if isinstance(n, dict) and n.get("value"):
                return str(n["value"])
    return fallback


def parse(text: str, source: str = "the trust list") -> list[x509.Certificate]:
    """Return the certificates of every trusted service in a list's JSON; TrustListError naming
    source and the problem otherwise."""
    if text.lstrip().startswith("ey"):
        raise TrustListError(
            f"{source}: a signed list (a compact JWS); give the JSON list itself, as C2PA publishes it."
        )
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TrustListError(
            f"{source}: not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})."
        ) from None
    lote = data.get("LoTE") if isinstance(data, dict) else None
    if not isinstance(lote, dict):
        raise TrustListError(
            f'{source}: no "LoTE" object; this is not an ETSI TS 119 602 list of trusted entities.'
        )
    entities = lote.get("TrustedEntitiesList")
    if not isinstance(entities, list):
        raise TrustListError(f'{source}: "LoTE" has no "TrustedEntitiesList" array.')
    certs = []
    for e, entity in enumerate(entities):
        info = entity.get("TrustedEntityInformation", {}) if isinstance(entity, dict) else {}
        who = _name(info.get("TEName"), f"entity {e + 1}")
        services = entity.get("TrustedEntityServices", []) if isinstance(entity, dict) else None
        if not isinstance(services, list):
            raise TrustListError(f'{source}: {who}: "TrustedEntityServices" is not an array.')
        for s, service in enumerate(services):
            si = service.get("ServiceInformation") if isinstance(service, dict) else None
            if not isinstance(si, dict):
                raise TrustListError(f'{source}: {who}, service {s + 1}: no "ServiceInformation".')
            what = f"{who}, {_name(si.get('ServiceName'), f'service {s + 1}')}"
            status = si.get("ServiceStatus")
            if status and not str(status).endswith(TRUSTED_STATUS):
                continue  # withdrawn: no longer an anchor
            identity = si.get("ServiceDigitalIdentity") or {}
            entries = identity.get("X509Certificates") if isinstance(identity, dict) else None
            if not isinstance(entries, list) or not entries:
                raise TrustListError(f"{source}: {what}: no X509Certificates in its ServiceDigitalIdentity.")
            for c, entry in enumerate(entries):
                val = entry.get("val") if isinstance(entry, dict) else None
                try:
                    certs.append(x509.load_der_x509_certificate(base64.b64decode(val or "", validate=True)))
                except (binascii.Error, ValueError, TypeError):
                    raise TrustListError(
                        f"{source}: {what}: certificate {c + 1} is not a base64 DER X.509 certificate."
                    ) from None
    if not certs:
        raise TrustListError(f"{source}: it lists no trusted certificate.")
    return certs


@functools.lru_cache(maxsize=8)
def _read(path: str, mtime_ns: int) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise TrustListError(f"{path}: cannot be read ({exc.strerror or exc}).") from None
    except UnicodeDecodeError:
        raise TrustListError(f"{path}: not UTF-8 text; a C2PA Trust List is JSON.") from None
    certs = parse(text, path)
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in certs)


def anchors_pem(path: str) -> str:
    """The PEM anchors of the trust list file at path ("" for none); read again when the file
    changes. TrustListError names the file and the problem."""
    if not path:
        return ""
    try:
        mtime = os.stat(path).st_mtime_ns
    except OSError as exc:
        raise TrustListError(f"{path}: cannot be read ({exc.strerror or exc}).") from None
    return _read(path, mtime)


def write(path: Path, certs: list[x509.Certificate], *, scheme: str, operator: str) -> Path:
    """Write a list in the same format, each certificate a trusted service of its own entity
    (named by its subject): for a studio's own list, and for the tests."""
    entities = [
        {
            "TrustedEntityInformation": {"TEName": [{"lang": "en", "value": cert.subject.rfc4514_string()}]},
            "TrustedEntityServices": [
                {
                    "ServiceInformation": {
                        "ServiceName": [{"lang": "en", "value": cert.subject.rfc4514_string()}],
                        "ServiceDigitalIdentity": {
                            "X509Certificates": [
                                {
                                    "val": base64.b64encode(
                                        cert.public_bytes(serialization.Encoding.DER)
                                    ).decode()
                                }
                            ]
                        },
                        "ServiceStatus": "http://c2pa.org/conformance/trust-list/trusted",
                    }
                }
            ],
        }
        for cert in certs
    ]
    lote = {
        "LoTE": {
            "ListAndSchemeInformation": {
                "LoTEVersionIdentifier": 1,
                "LoTESequenceNumber": 1,
                "SchemeName": [{"lang": "en", "value": scheme}],
                "SchemeOperatorName": [{"lang": "en", "value": operator}],
            },
            "TrustedEntitiesList": entities,
        }
    }
    Path(path).write_text(json.dumps(lote, indent=2))
    return Path(path)
