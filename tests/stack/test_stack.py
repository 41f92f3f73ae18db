"""The stack as separate processes (the Procfile under honcho): web, a worker for the default
queue, a worker for the fingerprint queue, beat and the tracker listener, each in an empty working
folder of its own, sharing only PostgreSQL, Redis and the bucket. 200 requests go end to end
through the HTTP API, stills and clips, some needing a clearance user's sign-off; every output is
then in the bucket, signed and verifying, each request has exactly one output and one run on the
ledger, and no process left anything in its folder."""

import datetime
import hashlib
import json
import os
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.authtoken.models import Token

from generation.models import GenerationOutput, GenerationRequest
from generation.selectors import request_entries
from provenance import selectors
from rightsledger.models import Asset

from .. import factories as f
from .. import images
from ..generation.conftest import Gate
from ..workers import BROKER
from .stack import PROCESSES, Stack

pytestmark = [pytest.mark.stack, pytest.mark.s3, pytest.mark.django_db(transaction=True)]

STILLS, SIGNED_OFF, CLIPS = 150, 30, 20  # 200 requests; the second kind needs a sign-off


class Api:
    """The HTTP API of the stack's web process, as one user (a token)."""

    def __init__(self, url: str, user):
        self.url = url
        self.token = Token.objects.get_or_create(user=user)[0].key

    def post(self, path: str, body: dict | None = None, key: str = "") -> tuple[int, dict]:
        headers = {"Authorization": f"Token {self.token}", "Content-Type": "application/json"}
        if key:
            headers["Idempotency-Key"] = key
        data = json.dumps(body or {}).encode()
        req = urllib.request.Request(self.url + path, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, {"body": exc.read().decode(errors="replace")[:2000]}


def process_env(s3, ledger_key_file: str, tiny_clip: dict, var_dir: Path) -> dict:
    """What each process reads: the database, the broker, the bucket, and the keys by path."""
    db = connection.settings_dict
    keep = ("PATH", "HOME", "LANG", "LC_", "DJANGO_", "PYTHON")
    env = {k: v for k, v in os.environ.items() if k.startswith(keep)}
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        CELERY_BROKER_URL=BROKER,
        CELERY_TASK_ALWAYS_EAGER="0",
        RIGHTSLEDGER_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME=s3.bucket,
        AWS_S3_ENDPOINT_URL=s3.endpoint,
        AWS_S3_REGION_NAME="us-east-1",
        AWS_LOCATION=s3.prefix,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        # Nothing of the processes' own may land in a shared or a working folder: these are checked.
        RIGHTSLEDGER_VAR_DIR=str(var_dir),
        MEDIA_ROOT=str(var_dir / "media"),
        SIMILARITY_INDEX_PATH="",
        # The keys, read by path (a secret mounted at the same path on every host).
        LEDGER_SIGNING_KEY_FILE=ledger_key_file,
        LEDGER_SIGNING_KEY_CREATE="0",
        SIGNING_KEYS_DIR=str(settings.SIGNING_KEYS_DIR),
        C2PA_TRUST_ANCHORS=",".join(settings.C2PA_TRUST_ANCHORS),
        C2PA_TSA_URL=settings.C2PA_TSA_URL,
        C2PA_TSA_REQUIRED="1",
        C2PA_DEVELOPMENT_TSA="0",
        EMBED_CANDIDATE_COSINE="1.01",  # the untrained test model (as tests/provenance measure it)
        WEB_CONCURRENCY="2",
        WORKER_CONCURRENCY="2",
        **tiny_clip,
    )
    return env


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if not p.is_dir())


@pytest.mark.heavy(90)
def test_200_requests_run_end_to_end_on_the_stack_with_nothing_left_on_any_processs_disk(
    broker, s3, world, tiny_clip, ledger_key, tmp_path
):
    # The studio's records, made here (in the bucket, through the same storage settings).
    gate = Gate(world)
    gate.consent_and_grant()
    clip = f.make_asset(world.prod_a, kind="plate", fmt="mp4", data=images.clip(3, frames=12))
    f.make_grant(
        world.prod_a,
        world.party,
        [clip],
        uses=["genai_input", "edit"],
        media=["theatrical", "svod"],
        territories=["WORLD"],
        term_start=datetime.date(2026, 1, 1),
        term_end=datetime.date(2030, 12, 31),
    )
    keys_before = s3.keys()

    run_dir, var_dir = tmp_path / "run", tmp_path / "var"
    env = process_env(s3, settings.LEDGER_SIGNING_KEY_FILE, tiny_clip, var_dir)
    stack = Stack(env, run_dir, tmp_path / "honcho.log")
    try:
        stack.start()
        producer, clearance = Api(stack.url, world.producer_a), Api(stack.url, world.clearance)
        plate = [{"asset": gate.plate.pk, "role": "plate"}]
        kinds = ["still"] * STILLS + ["signed_off"] * SIGNED_OFF + ["clip"] * CLIPS
        ids = []
        for i, kind in enumerate(kinds):
            inputs = {
                "still": plate,
                "signed_off": plate + [{"asset": gate.likeness.pk, "role": "likeness"}],
                "clip": [{"asset": clip.pk, "role": "plate", "frames": [1, 6]}],
            }[kind]
            code, body = producer.post(
                "/api/generation/requests/", gate.body(inputs=inputs, seed=i), key=f"stack-{i}"
            )
            assert code == 201, body
            if kind == "signed_off":
                assert body["status"] == "needs_clearance", body
                code, body = clearance.post(
                    f"/api/generation/requests/{body['id']}/sign-off/",
                    {"approve": True, "comment": "Consent on file covers the atmosphere pass."},
                )
                assert code == 200, body
            assert body["status"] == "approved", body
            code, queued = producer.post(f"/api/generation/requests/{body['id']}/queue/")
            assert code == 202, queued
            ids.append(body["id"])
        assert len(set(ids)) == 200

        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            done = GenerationRequest.objects.filter(pk__in=ids, status__in=["succeeded", "failed"]).count()
            if done == len(ids):
                break
            time.sleep(2)
        statuses = dict(GenerationRequest.objects.filter(pk__in=ids).values_list("pk", "status"))
        failures = list(GenerationRequest.objects.filter(pk__in=ids, status="failed").values_list("failure"))
        assert set(statuses.values()) == {"succeeded"}, (failures[:5], stack.output()[-4000:])
        # The fingerprint worker took the outputs' fingerprints from its own queue.
        assert "provenance.asset_fingerprint" in stack.output()
    finally:
        stack.stop()

    # No request lost or run twice: one output each, one run each on the ledger.
    for rid in ids:
        assert GenerationOutput.objects.filter(request_id=rid).count() == 1
        entries = request_entries(rid)
        assert entries.filter(entry_type="generation.output_recorded").count() == 1, rid
    assert Asset.objects.filter(origin="generated").count() == 200

    # Every output is in the bucket, signed, and verifies.
    stored = s3.keys()
    outputs = Asset.objects.filter(origin="generated").order_by("pk")
    assert keys_before <= stored and {a.file.name for a in outputs} <= stored - keys_before
    for output in outputs:
        assert output.file.name in stored
        data = s3.read(output.file.name)
        assert hashlib.sha256(data).hexdigest() == output.sha256
        result = selectors.verify(data, output.media_type)
        assert result["validation_state"] == "trusted" and result["failures"] == [], result
    assert outputs.filter(media_type="video/mp4").count() == CLIPS

    # Each process's working folder holds nothing but its temporary folder, and that is empty.
    for name in PROCESSES:
        assert files_under(run_dir / name) == [], name
        assert sorted(p.name for p in (run_dir / name).iterdir()) == ["tmp"], name
    assert not var_dir.exists() or files_under(var_dir) == []
