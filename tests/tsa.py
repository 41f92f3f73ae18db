"""A real RFC 3161 time-stamp authority for the tests: OpenSSL's `openssl ts -reply` behind the
small HTTP handler in provenance/tsa.py, with a time-stamping chain made as the signing chains
are. One runs per test process, and every signing test time-stamps through it."""

import datetime
from pathlib import Path

import pytest
from cryptography.x509.oid import ExtendedKeyUsageOID

from provenance import identity as ident
from provenance import tsa


def tsa_chain(directory: Path, organization: str = "Rightsledger Test TSA") -> dict:
    """A time-stamping chain (root, intermediate, unit) under an organisation that is not the
    development CA's, so a verifier's trust in it is the anchors' alone."""
    return ident.chain_create(
        directory,
        label=organization,
        organization=organization,
        leaf="Time-Stamping Unit",
        eku=ExtendedKeyUsageOID.TIME_STAMPING,
        valid_for=datetime.timedelta(days=30),
    )


@pytest.fixture(scope="session")
def time_stamp_authority(tmp_path_factory):
    """The process's TSA: {"url", "root"} (its root's PEM file)."""
    paths = tsa_chain(tmp_path_factory.mktemp("tsa"))
    httpd, url = tsa.start(paths["root"].parent)
    yield {"url": url, "root": paths["root"]}
    httpd.shutdown()
    httpd.server_close()
