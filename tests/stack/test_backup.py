"""Backup and restore as docs/backup.md gives it, on PostgreSQL and moto's S3 server: dump the
database (pg_dump, custom format) and list the bucket's files with their SHA-256 (`manage.py
storage list`); restore into a new database and a new bucket; then `manage.py ledger audit` passes,
the restored latest checkpoint has the same root, `manage.py storage verify` finds every stored
file with its record's hash, and the restored bucket lists the same files with the same hashes.
A restore from an older dump (docs/backup.md): the audit passes for what the database holds, and
`manage.py ledger witnesses` reports the witness that cosigned past it, with what to do."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from rightsledger.ledger import checkpoints, cosigning
from rightsledger.models import Asset, Checkpoint

from .. import factories as f
from ..generation.conftest import Gate
from ..rightsledger.test_cosigning import Served, policy_file
from ..storage.test_s3 import _run
from ..tlog.test_witness import SpecWitness

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


@pytest.mark.heavy(50)
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


def test_a_restore_from_an_older_dump_audits_clean_and_the_witnesses_show_what_was_lost(
    world, ledger_key, settings, tmp_path
):
    # docs/backup.md, "A restore from an older dump": a witness cosigned past the dump.
    spec = SpecWitness("witness.guild.example/w1", ledger_key)
    served = Served(spec)
    settings.LEDGER_WITNESS_POLICY_FILE = str(policy_file(tmp_path, [(spec, served.url)]))
    try:
        for n in range(3):
            f.make_party(world.studio, f"Before the dump {n}")
        dumped = checkpoints.ledger_publish()
        assert [s.outcome for s in cosigning.ledger_cosign()] == ["cosigned"] and spec.size == dumped.size

        db = connection.settings_dict
        dump = tmp_path / "older.dump"
        subprocess.run(pg("pg_dump", "--format=custom", "--file", str(dump), "-d", db["NAME"]), check=True)
        for n in range(2):
            f.make_party(world.studio, f"After the dump {n}")
        later = checkpoints.ledger_publish()
        assert [s.outcome for s in cosigning.ledger_cosign()] == ["cosigned"] and spec.size == later.size
        assert later.size > dumped.size

        new_db = f"restored_{uuid.uuid4().hex[:8]}"
        subprocess.run(pg("createdb", new_db), check=True)
        try:
            subprocess.run(
                pg("pg_restore", "--no-owner", "--exit-on-error", "-d", new_db, str(dump)), check=True
            )
            env = {
                k: v
                for k, v in os.environ.items()
                if k.startswith(("PATH", "HOME", "LANG", "DJANGO_", "PYTHON"))
            }
            env.update(
                DATABASE_URL=database_url(new_db),
                CELERY_TASK_ALWAYS_EAGER="1",
                LEDGER_SIGNING_KEY_FILE=settings.LEDGER_SIGNING_KEY_FILE,
                LEDGER_SIGNING_KEY_CREATE="0",
                LEDGER_WITNESS_POLICY_FILE=settings.LEDGER_WITNESS_POLICY_FILE,
                LEDGER_PUBLISH_ON_WRITE="0",  # published below, by the command an operator runs
                MEDIA_ROOT=str(tmp_path / "media"),
            )

            # What the restored database holds is whole: the audit passes, at the dump's size.
            audit = manage(env, "ledger", "audit")
            assert audit.returncode == 0 and "Audit passed" in audit.stdout, audit.stdout + audit.stderr
            assert f"latest checkpoint {dumped.size}" in audit.stdout
            # The witness has cosigned a larger tree: the check says so, and what to do.
            asked = manage(env, "ledger", "witnesses")
            assert asked.returncode == 1, asked.stdout + asked.stderr
            assert (
                f"w1: cosigned size {later.size}, beyond this ledger's latest checkpoint {dumped.size}"
                in asked.stdout
            )
            assert "Do not start writers on this database" in asked.stdout
            assert 'docs/backup.md, "A restore from an older dump"' in asked.stdout
            # The witness still holds what it cosigned: asking it changed nothing.
            assert spec.size == later.size
            # `ledger cosign` has nothing to send: the restored checkpoint's cosignature was dumped with it.
            cosign = manage(env, "ledger", "cosign")
            assert cosign.returncode == 0 and cosign.stdout == "", cosign.stdout + cosign.stderr
            # A new checkpoint on the restored database, smaller than what the witness cosigned, is refused.
            made = manage(
                env,
                "shell",
                "-c",
                "from rightsledger import services; from rightsledger.models import Studio\n"
                f"services.party_create(actor=None, studio=Studio.objects.get(pk={world.studio.pk}), "
                "name='Written after the restore', kind='rights_holder')\n"
                "from rightsledger.models import TreeState; print(TreeState.objects.get().size)",
            )
            assert made.returncode == 0, made.stdout + made.stderr
            assert int(made.stdout.split()[-1]) == dumped.size  # the entry waits for the sequencer
            published = manage(env, "ledger", "publish")
            assert published.returncode == 0 and f"\n{dumped.size + 1}\n" in published.stdout, (
                published.stdout
            )
            assert dumped.size + 1 < later.size
            cosign = manage(env, "ledger", "cosign")
            assert (
                f"w1: checkpoint {dumped.size + 1} refused the witness cosigned size {later.size}, "
                f"beyond this log's {dumped.size + 1}" in cosign.stdout
            ), cosign.stdout + cosign.stderr
        finally:
            subprocess.run(pg("dropdb", "--if-exists", "--force", new_db), check=False)
    finally:
        served.close()
