"""Object storage against a real S3 API: moto's server mode, started once per test session in its
own process (`python -m moto.server`), with one bucket for the session and a key prefix of each
test's own. A test that asks for `s3` runs with the S3 backend as RIGHTSLEDGER_STORAGE=s3 sets it up,
and with MEDIA_ROOT an empty folder that must stay empty."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

import pytest

try:
    import boto3
    import moto  # noqa: F401  (the server's package: without it these tests cannot run)
except ImportError as exc:  # pragma: no cover
    MISSING = (
        f"THE OBJECT STORAGE TESTS DID NOT RUN: {exc}. Install the dev extras (pip install -e '.[dev]')."
    )
    print("\n" + "!" * 100 + "\n" + MISSING + "\n" + "!" * 100, file=sys.stderr)
    boto3 = None
else:
    MISSING = ""

REGION = "us-east-1"
CREDENTIALS = {"access_key": "testing", "secret_key": "testing"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory):
    """The S3 API over HTTP: moto's server in a process of its own; its endpoint URL."""
    if boto3 is None:
        pytest.skip(MISSING)
    port = _free_port()
    log = open(tmp_path_factory.mktemp("moto") / "moto.log", "w+")  # noqa: SIM115  (closed below)
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=2).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                server.kill()
                raise RuntimeError(f"moto's S3 server did not start: {log.read()[-2000:]}") from None
            time.sleep(0.2)
    try:
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def s3_bucket(moto_server):
    """One bucket for the test session."""
    name = f"rightsledger-test-{uuid.uuid4().hex[:12]}"
    client(moto_server).create_bucket(Bucket=name)
    return name


def client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=CREDENTIALS["access_key"],
        aws_secret_access_key=CREDENTIALS["secret_key"],
    )


class S3:
    """The test's view of the bucket: its prefix, and what is stored under it."""

    def __init__(self, endpoint: str, bucket: str, prefix: str):
        self.endpoint, self.bucket, self.prefix = endpoint, bucket, prefix
        self.client = client(endpoint)

    def keys(self) -> set[str]:
        """The names (as the storage gives them, without the prefix) of every object stored."""
        listing = self.client.get_paginator("list_objects_v2")
        pages = listing.paginate(Bucket=self.bucket, Prefix=self.prefix + "/")
        return {o["Key"][len(self.prefix) + 1 :] for page in pages for o in page.get("Contents", [])}

    def read(self, name: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=f"{self.prefix}/{name}")["Body"].read()

    def options(self) -> dict:
        """The S3 backend's options, as config.settings makes them for RIGHTSLEDGER_STORAGE=s3."""
        return {
            "bucket_name": self.bucket,
            "endpoint_url": self.endpoint,
            "region_name": REGION,
            "location": self.prefix,
            "file_overwrite": True,
            "default_acl": None,
            "max_memory_size": 8 * 1024 * 1024,
            **CREDENTIALS,
        }


@pytest.fixture
def s3(moto_server, s3_bucket, settings, media_root):
    """Content in the session's bucket, under a prefix of this test's own; MEDIA_ROOT an empty
    folder (that the test checks stays so)."""
    store = S3(moto_server, s3_bucket, f"t-{uuid.uuid4().hex[:12]}")
    media_root.mkdir(parents=True, exist_ok=True)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": store.options()},
    }
    return store
