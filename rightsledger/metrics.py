"""The service's own Prometheus instruments, counted where things happen; config/metrics.py serves
them at /metrics with django-prometheus' and with the gauges read at each scrape (queue depth, the
ledger's size, the last checkpoint's age, the witnesses' lag).

Here, in the app every other app imports, so that generation and provenance can count without
importing config. In a process of several (gunicorn, a Celery pool), set PROMETHEUS_MULTIPROC_DIR
and prometheus_client writes these to files there that /metrics adds up."""

from prometheus_client import Counter, Histogram

DECISIONS = Counter(
    "rightsledger_decisions",
    "Decisions of the rights gate recorded, by kind (gate, run_check, likeness_check) and outcome.",
    ["kind", "outcome"],
)
GATE_SECONDS = Histogram(
    "rightsledger_gate_seconds",
    "Time the gate takes to evaluate a request against the ledger (snapshot read and policy).",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
RUN_SECONDS = Histogram(
    "rightsledger_run_seconds",
    "Time a generation run takes, from claim to recorded output, by what came of it.",
    ["outcome"],
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
)
