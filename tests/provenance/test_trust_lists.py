"""C2PA Trust Lists (ETSI TS 119 602 JSON, the format the C2PA conformance program publishes):
C2PA_TRUST_LIST's anchors make an output trusted, a list without its root leaves it untrusted;
C2PA_TSA_TRUST_LIST vouches for the time-stamps that keep an expired certificate's output trusted;
a list that cannot be used stops the service at start-up, naming the file and the problem."""

import base64
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography import x509
from django.utils import timezone

from provenance import credentials, selectors, services, trustlist, tsa
from provenance import identity as ident

from ..tsa import tsa_chain
from .signing import sign_png

ROOT = Path(__file__).resolve().parents[2]


def certs(pem_path) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(Path(pem_path).read_bytes())


def studio_identity(tmp_path, name="studio", **kwargs):
    paths = ident.chain_create(
        tmp_path / name, label=name.title(), organization=f"{name.title()} Pictures", **kwargs
    )
    identity = services.identity_register(
        name=name, chain_pem=paths["chain"].read_text(), key_path=str(paths["key"])
    )
    return identity, paths


def test_an_anchor_on_the_list_makes_the_output_trusted_and_one_not_on_it_leaves_it_untrusted(
    db, tmp_path, settings
):
    identity, paths = studio_identity(tmp_path)
    _, other = studio_identity(tmp_path, "other")
    signed = sign_png(identity=identity)
    settings.C2PA_TRUST_ANCHORS = []
    settings.C2PA_TRUST_DEVELOPMENT_ROOTS = False

    listed = trustlist.write(tmp_path / "list.json", certs(paths["root"]), scheme="Test", operator="Test")
    assert json.loads(listed.read_text())["LoTE"]["TrustedEntitiesList"]
    settings.C2PA_TRUST_LIST = str(listed)
    assert selectors.verify(signed, "image/png")["validation_state"] == credentials.TRUSTED

    unlisted = trustlist.write(tmp_path / "other.json", certs(other["root"]), scheme="Test", operator="Test")
    settings.C2PA_TRUST_LIST = str(unlisted)
    # The signature verifies; its signer chains to no anchor trusted here.
    assert selectors.verify(signed, "image/png")["validation_state"] == "valid"


def test_a_withdrawn_service_gives_no_anchor(db, tmp_path, settings):
    identity, paths = studio_identity(tmp_path)
    _, other = studio_identity(tmp_path, "other")
    listed = trustlist.write(
        tmp_path / "list.json", certs(paths["root"]) + certs(other["root"]), scheme="Test", operator="Test"
    )
    data = json.loads(listed.read_text())
    service = data["LoTE"]["TrustedEntitiesList"][0]["TrustedEntityServices"][0]["ServiceInformation"]
    service["ServiceStatus"] = "http://c2pa.org/conformance/trust-list/withdrawn"
    listed.write_text(json.dumps(data))
    settings.C2PA_TRUST_ANCHORS, settings.C2PA_TRUST_LIST = [], str(listed)
    assert selectors.verify(sign_png(identity=identity), "image/png")["validation_state"] == "valid"


def test_the_tsa_list_keeps_an_expired_certificates_time_stamped_output_trusted(db, tmp_path, settings):
    tsa_paths = tsa_chain(tmp_path / "tsa", organization="Listed TSA")
    httpd, url = tsa.start(tmp_path / "tsa")
    try:
        settings.C2PA_TSA_URL = url
        identity, paths = studio_identity(tmp_path, valid_for=datetime.timedelta(seconds=3))
        signed = sign_png(identity=identity)
    finally:
        httpd.shutdown()
        httpd.server_close()
    settings.C2PA_TRUST_ANCHORS = []
    settings.C2PA_TRUST_LIST = str(
        trustlist.write(tmp_path / "c2pa.json", certs(paths["root"]), scheme="C", operator="C")
    )
    while timezone.now() <= identity.not_after + datetime.timedelta(seconds=1):
        time.sleep(0.25)
    # The TSA not listed: its time-stamp vouches for nothing, and the certificate has expired.
    assert selectors.verify(signed, "image/png")["validation_state"] != credentials.TRUSTED
    settings.C2PA_TSA_TRUST_LIST = str(
        trustlist.write(tmp_path / "tsa.json", certs(tsa_paths["root"]), scheme="T", operator="T")
    )
    assert selectors.verify(signed, "image/png")["validation_state"] == credentials.TRUSTED


def _entry(val: str) -> dict:
    return {
        "LoTE": {
            "TrustedEntitiesList": [
                {
                    "TrustedEntityInformation": {"TEName": [{"lang": "en", "value": "Acme"}]},
                    "TrustedEntityServices": [
                        {
                            "ServiceInformation": {
                                "ServiceName": [{"lang": "en", "value": "Acme Root"}],
                                "ServiceDigitalIdentity": {"X509Certificates": [{"val": val}]},
                            }
                        }
                    ],
                }
            ]
        }
    }


@pytest.mark.parametrize(
    "text, problem",
    [
        ("{not json", "not JSON"),
        ('{"TrustedEntitiesList": []}', 'no "LoTE" object'),
        ('{"LoTE": {}}', 'no "TrustedEntitiesList"'),
        ('{"LoTE": {"TrustedEntitiesList": []}}', "lists no trusted certificate"),
        (
            json.dumps(_entry(base64.b64encode(b"not a certificate").decode())),
            "Acme, Acme Root: certificate 1",
        ),
        ("eyJhbGciOiJFUzI1NiJ9.e30.sig", "a signed list"),
    ],
)
def test_a_bad_list_is_refused_with_the_file_and_the_problem(tmp_path, text, problem):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(trustlist.TrustListError) as caught:
        trustlist.anchors_pem(str(path))
    assert str(path) in str(caught.value) and problem in str(caught.value)


def test_a_bad_list_stops_the_service_at_start_up(tmp_path):
    path = tmp_path / "C2PA-TRUST-LIST.json"
    path.write_text('{"LoTE": {}}')
    env = {**os.environ, "C2PA_TSA_TRUST_LIST": str(path), "DJANGO_SETTINGS_MODULE": "config.settings"}
    done = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    assert f'C2PA_TSA_TRUST_LIST: {path}: "LoTE" has no "TrustedEntitiesList" array.' in done.stderr
    missing = {**env, "C2PA_TSA_TRUST_LIST": "", "C2PA_TRUST_LIST": str(tmp_path / "absent.json")}
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=missing,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (
        done.returncode != 0 and f"C2PA_TRUST_LIST: {tmp_path / 'absent.json'}: cannot be read" in done.stderr
    )


def test_the_portals_cached_verification_is_kept_per_trust_list(settings, tmp_path):
    from portal.selectors.producer import _credentials_key

    before = _credentials_key("0" * 64)
    settings.C2PA_TRUST_LIST = str(tmp_path / "C2PA-TRUST-LIST.json")
    after_signers = _credentials_key("0" * 64)
    settings.C2PA_TSA_TRUST_LIST = str(tmp_path / "C2PA-TSA-TRUST-LIST.json")
    assert len({before, after_signers, _credentials_key("0" * 64)}) == 3
