"""Generation: external model servers, the engines' work folder, and a run's lease."""

import json
import os

from .base import env_int

# Engines write their outputs into a local folder of temporary files, never into the storage;
# each run's files are removed when the run ends. Empty: the system's temporary folder.
GENERATION_WORK_DIR = os.environ.get("GENERATION_WORK_DIR", "")
# External model servers, as JSON: {"name": {"url": ..., "version": ..., "uses": [...],
# "trains_on_inputs": false, "timeout": 300}}. They speak the contract in generation/engines/http.py.
GENERATION_HTTP_ENGINES = json.loads(os.environ.get("GENERATION_HTTP_ENGINES") or "{}")
# A run not finished this long after it started is presumed lost (its worker died) and is
# marked failed, ready to retry.
GENERATION_RUN_LEASE_SECONDS = env_int("GENERATION_RUN_LEASE_SECONDS", 900)
# A request queued for longer than this without a worker taking it is sent again (its message was
# not sent while the broker was down, or was lost with it).
GENERATION_REQUEUE_SECONDS = env_int("GENERATION_REQUEUE_SECONDS", 300)
