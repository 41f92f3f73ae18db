"""Backup and restore as docs/operations.md gives it, on PostgreSQL and moto's S3 server: dump the
database (pg_dump, custom format) and list the bucket's files with their SHA-256 (`manage.py
storage list`); restore into a new database and a new bucket; then `manage.py ledger audit` passes,
the restored latest checkpoint has the same root, `manage.py storage verify` finds every stored
file with its record's hash, and the restored bucket lists the same files with the same hashes."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from rightsledger.ledger import checkpoints
from rightsledger.models import Asset, Checkpoint

from ..generation.conftest import Gate
from ..storage.test_s3 import _run

pytestmark = [pytest.mark.stack, pytest.mark.s3, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def database_url(name: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def pg(*args: str) -> list[str]:
    db = connection.settings_dict
    return [*args, "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"]]


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    """`manage.py ARGS` in a process of its own, as an operator runs it."""
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_a_dump_and_the_bucket_restore_into_a_new_database_and_bucket_that_audit_clean(
    s3, world, api, django_capture_on_commit_callbacks, settings, tmp_path
):
    # A studio with history: registrations, two runs with signed outputs, a signed checkpoint.
    gate = Gate(world)
    for seed in (1, 2):
        _run(gate, api, django_capture_on_commit_callbacks, gate.body(seed=seed))
    checkpoint = checkpoints.ledger_publish()
    assert checkpoint is not None and checkpoint.size > 0

    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k.startswith(("PATH", "HOME", "LANG", "DJANGO_", "PYTHON"))}
    env.update(
        DATABASE_URL=database_url(db["NAME"]),
        CELERY_TASK_ALWAYS_EAGER="1",
        RIGHTSLEDGER_STORAGE="s3",
        AWS_S3_ENDPOINT_URL=s3.endpoint,
        AWS_S3_REGION_NAME="us-east-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_STORAGE_BUCKET_NAME=s3.bucket,
        AWS_LOCATION=s3.prefix,
        LEDGER_SIGNING_KEY_FILE=settings.LEDGER_SIGNING_KEY_FILE,
        LEDGER_SIGNING_KEY_CREATE="0",
        MEDIA_ROOT=str(tmp_path / "media"),
    )

    # 1. Back up: the database in pg_dump's custom format, and the bucket's files with their hashes.
    dump = tmp_path / "rightsledger.dump"
    subprocess.run(pg("pg_dump", "--format=custom", "--file", str(dump), "-d", db["NAME"]), check=True)
    listing = manage(env, "storage", "list")
    assert listing.returncode == 0, listing.stderr
    files = [json.loads(line) for line in listing.stdout.splitlines()]
    assert {f["name"] for f in files} == s3.keys()
    assert {a.file.name: a.sha256 for a in Asset.objects.all()}.items() <= {
        f["name"]: f["sha256"] for f in files
    }.items()

    # 2. Restore into a new database and a new bucket (copied key by key from the listing, as
    # `aws s3 sync` or `rclone copy` would).
    new_db, new_bucket = f"restored_{uuid.uuid4().hex[:8]}", f"restored-{uuid.uuid4().hex[:12]}"
    subprocess.run(pg("createdb", new_db), check=True)
    try:
        subprocess.run(pg("pg_restore", "--no-owner", "--exit-on-error", "-d", new_db, str(dump)), check=True)
        s3.client.create_bucket(Bucket=new_bucket)
        for f in files:
            key = f"{s3.prefix}/{f['name']}"
            s3.client.copy_object(Bucket=new_bucket, Key=key, CopySource={"Bucket": s3.bucket, "Key": key})
        restored = {**env, "DATABASE_URL": database_url(new_db), "AWS_STORAGE_BUCKET_NAME": new_bucket}

        # 3. Check: the ledger audits clean, every stored file has its record's hash, the restored
        # bucket lists the same files with the same hashes, the latest checkpoint is the same.
        audit = manage(restored, "ledger", "audit")
        assert audit.returncode == 0 and "Audit passed" in audit.stdout, audit.stdout + audit.stderr
        assert f"latest checkpoint {checkpoint.size}" in audit.stdout
        verify = manage(restored, "storage", "verify")
        assert verify.returncode == 0, verify.stdout + verify.stderr
        assert f"All {len(files)} stored files match" in verify.stdout
        relisted = manage(restored, "storage", "list")
        assert [json.loads(line) for line in relisted.stdout.splitlines()] == files
        root = subprocess.run(
            pg(
                "psql",
                "-d",
                new_db,
                "-At",
                "-c",
                "SELECT size, encode(root, 'hex') FROM rightsledger_checkpoint ORDER BY size DESC LIMIT 1",
            ),
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        assert root == f"{checkpoint.size}|{bytes(Checkpoint.objects.get(size=checkpoint.size).root).hex()}"

        # A file changed in the restored bucket is named by the check, and it fails.
        damaged = next(f for f in files if f["name"].startswith("assets/"))
        s3.client.put_object(Bucket=new_bucket, Key=f"{s3.prefix}/{damaged['name']}", Body=b"not the file")
        verify = manage(restored, "storage", "verify")
        assert verify.returncode == 1 and damaged["name"] in verify.stdout, verify.stdout
    finally:
        subprocess.run(pg("dropdb", "--if-exists", "--force", new_db), check=False)
