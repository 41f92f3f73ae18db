"""The Celery app and its beat schedule."""

import os

from celery import Celery
from celery.signals import celeryd_after_setup, worker_process_init

from . import (
    observability,  # noqa: F401  (its signals carry request ids into tasks and their logs)
    worker_metrics,  # noqa: F401  (its signals serve a worker's metrics on WORKER_METRICS_PORT)
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("rightsledger")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@celeryd_after_setup.connect
def share_cores(sender=None, instance=None, **kwargs):
    """Share the machine's cores among this worker's processes: each engine (torch) runs on
    ENGINE_THREADS threads, by default the cores divided by the processes. Left to torch, every
    process takes every core: two workers on two cores ran each engine 60% slower and our own
    work around it 30% slower (bench/pipeline.py). Set ENGINE_THREADS where several workers share
    a machine."""
    processes = max(1, getattr(instance, "concurrency", None) or 1)
    os.environ["ENGINE_THREADS"] = os.environ.get("ENGINE_THREADS") or str(
        max(1, (os.cpu_count() or 1) // processes)
    )


@worker_process_init.connect
def engine_threads(**kwargs):
    """In each of the pool's processes (they inherit ENGINE_THREADS from the worker)."""
    threads = os.environ.get("ENGINE_THREADS")
    if threads:
        import torch  # deferred: config loads in every process, the engines' torch only in workers

        torch.set_num_threads(int(threads))


app.conf.beat_schedule = {
    # A run whose worker was lost is marked failed once its lease runs out.
    "reap-lost-generation-runs": {"task": "generation.request_reap_stale", "schedule": 60.0},
    # A request queued while the broker was down (or whose message was lost with it) is sent again.
    "requeue-stranded-generation-runs": {
        "task": "generation.request_requeue_stranded",
        "schedule": min(60.0, float(os.environ.get("GENERATION_REQUEUE_SECONDS") or 60)),
    },
    # Grants and consents whose term ends within 30 and 7 days: their clearance users are told once.
    "send-expiry-alerts": {"task": "rightsledger.expiry_alerts_send", "schedule": 6 * 3600.0},
    # The sequencer takes new entries into the tree and signs a checkpoint once the interval has passed.
    "publish-ledger-checkpoint": {
        "task": "rightsledger.ledger_publish",
        "schedule": float(os.environ.get("LEDGER_CHECKPOINT_INTERVAL_SECONDS") or 10),
    },
}
if os.environ.get("KITSU_URL"):
    app.conf.beat_schedule.update(
        {
            # Posts to Kitsu that are still pending (it was down): delivered once it answers.
            "deliver-tracker-posts": {"task": "tracker.deliver", "schedule": 60.0},
            # Polling, the fallback to `manage.py tracker listen`.
            "sync-tracker-shots": {
                "task": "tracker.sync_all",
                "schedule": float(os.environ.get("KITSU_SYNC_INTERVAL_SECONDS") or 300),
            },
        }
    )
