"""The demo runs on SQLite: concurrent writers there wait for the lock or get a 409, never a 500."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_fifty_concurrent_writers_on_sqlite_wait_or_get_a_409_never_a_500(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER")}
    env.update(DJANGO_DEBUG="1", RIGHTSLEDGER_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="config.settings")
    done = subprocess.run([sys.executable, str(Path(__file__).with_name("sqlite_revocations.py"))], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["writers"] == 50
    assert summary["results"] == {"revoke_consent ok": 1, "revoke_consent 409": 14, "revoke_grant ok": 1, "revoke_grant 409": 14,
                                  "sign_off ok": 5, "sign_off 409": 5, "run ok": 5, "run 409": 5}, summary
    assert (summary["consent_versions"], summary["grant_revocations"], summary["sign_offs"], summary["outputs"], summary["revocation_entries"]) == (2, 1, 5, 5, 2)


def test_the_demo_seeds_and_runs_a_clip_request_end_to_end(tmp_path):
    """`make demo`'s job up to the server: a moving plate in, a signed MP4 out, Trusted, downloadable."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER", "C2PA_TRUST_ANCHORS")}
    env.update(DJANGO_DEBUG="1", RIGHTSLEDGER_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="config.settings")
    done = subprocess.run([sys.executable, str(Path(__file__).with_name("demo_seed.py"))], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary == {"check": [200, True, 400, "asset_unknown"], "status": "succeeded", "http": 200, "content_type": "video/mp4", "frames": 36, "verified": "trusted", "printed": True}, summary
