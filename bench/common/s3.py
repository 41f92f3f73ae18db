"""Object storage for the benchmarks: moto's S3 server in a process of its own (as tests/storage
starts it), a bucket of the bench's own, and the environment that points a process's storage at it
(RIGHTSLEDGER_STORAGE=s3, as config.settings reads it)."""

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

from . import spawn, stop

REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def storage_env(endpoint: str, bucket: str) -> dict[str, str]:
    """The environment that makes a process keep its content in the bucket."""
    return {
        "RIGHTSLEDGER_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": endpoint,
        "AWS_S3_REGION_NAME": REGION,
        **CREDENTIALS,
    }


@contextlib.contextmanager
def moto_bucket(prefix: str = "rightsledger-bench"):
    """Start moto's S3 server on a free port and create a bucket of the bench's own; yield the
    environment for storage_env's processes. The server (and all it holds) goes at the end."""
    with socket.create_server(("127.0.0.1", 0)) as probe:  # a port free now
        port = probe.getsockname()[1]
    log = tempfile.TemporaryFile(mode="w+")
    server = spawn(  # stopped below, or when the bench exits whatever failed
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **CREDENTIALS},
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(endpoint + "/moto-api/", timeout=2).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"moto's S3 server did not start: {log.read()[-2000:]}") from None
                time.sleep(0.2)
        import boto3

        bucket = f"{prefix}-{uuid.uuid4().hex[:10]}"
        boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        ).create_bucket(Bucket=bucket)
        yield storage_env(endpoint, bucket)
    finally:
        stop(server, timeout=20)
        log.close()
