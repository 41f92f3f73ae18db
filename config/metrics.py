"""/metrics for Prometheus: django-prometheus' request and database metrics, our own counters
(rightsledger.metrics), and gauges read at each scrape: the depth of each Celery queue, the
ledger's size, the age of the last checkpoint and each witness's lag behind it.

Who may read it: a caller from METRICS_ALLOWED_ADDRESSES (addresses or networks; by default this
machine only), or one that sends `Authorization: Bearer <METRICS_BEARER_TOKEN>`. Anyone else is
answered 403. Queue names and counts say how busy the studio is: not for the world."""

import hmac
import ipaddress
import os
import time

import prometheus_client
from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import multiprocess
from prometheus_client.core import GaugeMetricFamily

from rightsledger.api.throttling import client_address


def _networks(values) -> list:
    return [ipaddress.ip_network(value.strip(), strict=False) for value in values if value.strip()]


def can_read_metrics(request) -> bool:
    """Return whether this caller may read /metrics: a bearer token that matches, or an allowed address."""
    token = settings.METRICS_BEARER_TOKEN
    sent = request.META.get("HTTP_AUTHORIZATION", "")
    if token and sent.startswith("Bearer ") and hmac.compare_digest(sent[7:].strip(), token):
        return True
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    return any(address in network for network in _networks(settings.METRICS_ALLOWED_ADDRESSES))


def queues() -> list[str]:
    """Return the Celery queues this deployment routes to: the default one and every routed one."""
    names = {settings.CELERY_TASK_DEFAULT_QUEUE}
    names.update(route["queue"] for route in settings.CELERY_TASK_ROUTES.values() if "queue" in route)
    return sorted(names)


class StateCollector:
    """Gauges read when Prometheus scrapes: a few indexed queries and an LLEN per queue."""

    def collect(self):
        from django.db.models import Max

        from rightsledger.ledger.checkpoints import latest_checkpoint
        from rightsledger.models import TreeState, WitnessCosignature

        tree = TreeState.objects.first()
        size = GaugeMetricFamily(
            "rightsledger_ledger_size", "Entries in the ledger's Merkle tree (integrated by the sequencer)."
        )
        size.add_metric([], tree.size if tree else 0)
        yield size
        latest = latest_checkpoint()
        if latest is not None:
            age = GaugeMetricFamily(
                "rightsledger_checkpoint_age_seconds", "Seconds since the newest signed checkpoint was made."
            )
            age.add_metric([], max(0.0, time.time() - latest.created_at.timestamp()))
            yield age
            lag = GaugeMetricFamily(
                "rightsledger_witness_lag_entries",
                "Entries between the newest checkpoint and the newest one each witness has cosigned.",
                labels=["witness"],
            )
            newest = WitnessCosignature.objects.values("witness").annotate(size=Max("checkpoint_id"))
            for row in newest:
                lag.add_metric([row["witness"]], latest.size - row["size"])
            yield lag
        depth = self._queue_depths()
        if depth is not None:
            yield depth

    def _queue_depths(self):
        if not settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
            return None  # the demo's eager Celery has no queue
        import redis

        gauge = GaugeMetricFamily(
            "rightsledger_queue_depth", "Tasks waiting in each Celery queue on the broker.", labels=["queue"]
        )
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2, socket_connect_timeout=2)
        try:
            for name in queues():
                gauge.add_metric([name], client.llen(name))
        except redis.RedisError:
            return None  # /readyz says the broker is down; the scrape still answers the rest
        finally:
            client.close()
        return gauge


STATE = prometheus_client.CollectorRegistry(auto_describe=False)
STATE.register(StateCollector())


def counted_registry():
    """Return the registry of what this process (or, with PROMETHEUS_MULTIPROC_DIR, its host's
    processes) counted."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        # Several processes (gunicorn, a Celery pool): add up what each wrote to the shared folder.
        registry = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return prometheus_client.REGISTRY


@never_cache
@require_safe
def metrics(request):
    """The Prometheus text exposition, for a caller that may read it."""
    if not can_read_metrics(request):
        return HttpResponseForbidden(
            "Metrics are served to the addresses in METRICS_ALLOWED_ADDRESSES, or with the bearer "
            "token METRICS_BEARER_TOKEN.",
            content_type="text/plain; charset=utf-8",
        )
    body = prometheus_client.generate_latest(counted_registry()) + prometheus_client.generate_latest(STATE)
    return HttpResponse(body, content_type=prometheus_client.CONTENT_TYPE_LATEST)
