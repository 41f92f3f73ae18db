"""The verifiable ledger: its origin, signing key, checkpoints, audit and witnesses."""

import os

from .base import DEVELOPMENT, VAR_DIR, env_bool, env_int

# The ledger's origin line, the name under which its checkpoints are published, and its key.
LEDGER_ORIGIN = os.environ.get("LEDGER_ORIGIN", "rightsledger.example/ledger")
LEDGER_SIGNING_KEY_FILE = os.environ.get(
    "LEDGER_SIGNING_KEY_FILE", str(VAR_DIR / "keys" / "ledger-signing.key")
)
# Make a key on first use when none exists: on for development, off in production.
LEDGER_SIGNING_KEY_CREATE = env_bool("LEDGER_SIGNING_KEY_CREATE", DEVELOPMENT)
LEDGER_CHECKPOINT_INTERVAL_SECONDS = env_int("LEDGER_CHECKPOINT_INTERVAL_SECONDS", 10)
# A write sends a publish when it commits, unless one is already queued (it will take the write);
# with Celery eager (the demo) the publish runs as the write commits. Off: the beat alone publishes.
LEDGER_PUBLISH_ON_WRITE = env_bool("LEDGER_PUBLISH_ON_WRITE", True)
# The audit reads a tree of at least LEDGER_AUDIT_PARALLEL_MIN leaves in this many parts at once,
# one database connection each (one per core of the database server is a good start).
LEDGER_AUDIT_WORKERS = env_int("LEDGER_AUDIT_WORKERS", 2)
LEDGER_AUDIT_PARALLEL_MIN = env_int("LEDGER_AUDIT_PARALLEL_MIN", 100_000)
# The witnesses each new checkpoint is submitted to, and how many must cosign it: a C2SP
# tlog-policy file (`witness <name> <vkey> <submission URL>` lines and a `quorum` line). Empty: no
# witness. Each submission waits at most LEDGER_WITNESS_TIMEOUT_SECONDS for an answer.
LEDGER_WITNESS_POLICY_FILE = os.environ.get("LEDGER_WITNESS_POLICY_FILE", "")
LEDGER_WITNESS_TIMEOUT_SECONDS = float(os.environ.get("LEDGER_WITNESS_TIMEOUT_SECONDS") or 10)
