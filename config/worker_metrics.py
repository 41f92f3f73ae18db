"""The workers' own /metrics: run durations, gate latency and decisions are counted inside the
Celery workers, which on a studio's layout run on hosts of their own (docs/deploy.md), so the web's
/metrics never sees them. With WORKER_METRICS_PORT set, each worker serves them over HTTP on
WORKER_METRICS_ADDRESS (all interfaces by default) and that port, to the same callers as /metrics
(config.metrics.can_read_metrics: METRICS_ALLOWED_ADDRESSES or the bearer token).

The prefork pool counts in its child processes: the worker needs PROMETHEUS_MULTIPROC_DIR, a folder
of its own (bin/stack-process makes one), set before it starts, so that the children write their
samples there and the exporter, in the worker's main process, adds them up. The folder is emptied
when the worker starts: what a previous run counted is not this one's."""

import logging
import os
import threading
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

from celery.signals import worker_init, worker_process_shutdown

log = logging.getLogger(__name__)
REFUSAL = (
    "Metrics are served to the addresses in METRICS_ALLOWED_ADDRESSES, or with the bearer token "
    "METRICS_BEARER_TOKEN."
)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # Prometheus scrapes every few seconds: no line each
        pass


def exporter_app():
    """Return the WSGI app that serves this worker's counters to a caller that may read them."""
    import prometheus_client
    from django.core.handlers.wsgi import WSGIRequest

    from .metrics import can_read_metrics, counted_registry

    serve = prometheus_client.make_wsgi_app(counted_registry())

    def app(environ, start_response):
        if not can_read_metrics(WSGIRequest(environ)):
            start_response("403 Forbidden", [("Content-Type", "text/plain; charset=utf-8")])
            return [REFUSAL.encode()]
        return serve(environ, start_response)

    return app


def exporter_start(address: str, port: int):
    """Serve this worker's metrics on address:port in a thread; return the server."""
    from prometheus_client.exposition import ThreadingWSGIServer

    server = make_server(address, port, exporter_app(), ThreadingWSGIServer, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="worker-metrics", daemon=True).start()
    return server


@worker_init.connect
def worker_metrics_serve(sender=None, **kwargs):
    """In the worker's main process, before its pool starts: empty its multiprocess folder and
    start the exporter, when WORKER_METRICS_PORT is set."""
    from django.conf import settings

    if not settings.WORKER_METRICS_PORT:
        return
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        for stale in Path(folder).glob("*.db"):
            stale.unlink()
    elif getattr(getattr(sender, "pool_cls", None), "__module__", "").endswith("prefork"):
        raise RuntimeError(
            "WORKER_METRICS_PORT is set but PROMETHEUS_MULTIPROC_DIR is not: the pool's processes "
            "would count where the exporter cannot read. Set it to an empty folder of this worker's "
            "own (bin/stack-process does)."
        )
    server = exporter_start(settings.WORKER_METRICS_ADDRESS, settings.WORKER_METRICS_PORT)
    log.info("worker metrics served on %s:%s", *server.server_address[:2])


@worker_process_shutdown.connect
def worker_metrics_process_gone(pid=None, **kwargs):
    """A pool process that ends leaves its counters in the folder (they still add up) and its
    live gauges, which must go."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())
