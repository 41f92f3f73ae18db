"""Liveness and readiness for the orchestrator (a load balancer, Kubernetes, systemd).

/healthz says the process answers, and touches nothing else: a restart would not mend a
database that is down. /readyz says whether this process can serve: the database, the broker,
the storage (a small object written and deleted), the signing identity (its key loads) and, when
C2PA_TSA_URL is set, the time-stamp authority (it answers a real RFC 3161 query). The checks run
at once, each in its own thread with its own timeout (READYZ_TIMEOUT_SECONDS), so one that hangs
is reported as such and holds no other. The answer is JSON, 503 when a check fails, and names no
URL, host or secret: a failed check says what failed in a sentence and the error's kind.

/readyz needs no sign-in, so what it does and says is bounded: the checks run at most once per
READYZ_CACHE_SECONDS in a process (callers in between, or waiting on a run under way, get its
answer), so a flood of calls is not a flood on the storage and the TSA; and the checks' names,
times and failures go only to a caller who may read /metrics (config.metrics.can_read_metrics).
Anyone else, an orchestrator's probe included, gets the status and its code alone."""

import hashlib
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .metrics import can_read_metrics

READY_PREFIX = "readyz"  # where the storage check writes its small object, and deletes it at once


@dataclass(frozen=True)
class Check:
    """A readiness check: its name, what it means when it fails, and the function that raises."""

    name: str
    failure: str
    run: object


def check_database() -> None:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connections.close_all()  # this thread's connection: the thread ends here


def _redis_ping(url: str) -> None:
    import redis

    timeout = settings.READYZ_TIMEOUT_SECONDS
    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()


def check_broker() -> None:
    _redis_ping(settings.CELERY_BROKER_URL)


def check_cache() -> None:
    _redis_ping(settings.CACHE_URL)


def check_storage() -> None:
    from django.core.files.storage import default_storage

    name = default_storage.save(f"{READY_PREFIX}/{uuid.uuid4().hex}.txt", ContentFile(b"ready\n"))
    try:
        with default_storage.open(name) as fh:
            if fh.read() != b"ready\n":
                raise OSError("the object read back is not the one written")
    finally:
        default_storage.delete(name)


def check_signing_identity() -> None:
    # The services import c2pa and the models: imported when the check runs, not with the URLconf.
    from provenance.services.identities import active_identity, signer_for

    try:
        signer_for(active_identity())
    finally:
        connections.close_all()


def time_stamp_query(digest: bytes) -> bytes:
    """Return a DER RFC 3161 TimeStampReq for a SHA-256 digest, asking for the TSA's certificate."""

    def tlv(tag: int, body: bytes) -> bytes:
        return bytes([tag, len(body)]) + body  # every part here is under 128 bytes

    sha256 = tlv(0x06, bytes.fromhex("608648016503040201"))
    imprint = tlv(0x30, tlv(0x30, sha256 + b"\x05\x00") + tlv(0x04, digest))
    return tlv(0x30, tlv(0x02, b"\x01") + imprint + tlv(0x01, b"\xff"))


def check_tsa() -> None:
    import urllib.request

    url = settings.C2PA_TSA_URL
    if not url.startswith(("http://", "https://")):
        raise ValueError("C2PA_TSA_URL is not an http(s) URL")
    query = time_stamp_query(hashlib.sha256(b"rightsledger readiness").digest())
    request = urllib.request.Request(  # noqa: S310 (http(s) only, checked above)
        url, data=query, headers={"Content-Type": "application/timestamp-query"}
    )
    timeout = settings.READYZ_TIMEOUT_SECONDS
    opener = urllib.request.build_opener()  # the scheme is checked above
    with opener.open(request, timeout=timeout) as answer:
        body = answer.read(1 << 16)
        if answer.headers.get_content_type() != "application/timestamp-reply":
            raise ValueError("the answer is not a time-stamp reply")
    # TimeStampResp ::= SEQUENCE { status PKIStatusInfo ::= SEQUENCE { status INTEGER, ... }, ... }:
    # granted (0) or granted with modifications (1). The reply's length is in long form.
    start = 2 + (body[1] & 0x7F if body[1] & 0x80 else 0)
    status = body[start + 2 : start + 5] if len(body) > start + 4 else b""
    if body[:1] != b"\x30" or status[:2] != b"\x02\x01" or status[2] not in (0, 1):
        raise ValueError("the time-stamp authority refused the query")


def checks() -> list[Check]:
    """Return the checks this deployment needs: the broker and the cache when they are Redis, the
    time-stamp authority when one is configured."""
    found = [
        Check("database", "The database did not answer.", check_database),
        Check("storage", "An object could not be written to the storage and deleted.", check_storage),
        Check(
            "signing_identity",
            "The signing identity could not be loaded (none active, or its key does not load).",
            check_signing_identity,
        ),
    ]
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        found.append(Check("broker", "The task broker (Redis) did not answer.", check_broker))
    if settings.CACHE_URL:
        found.append(Check("cache", "The shared cache (Redis) did not answer.", check_cache))
    if settings.C2PA_TSA_URL:
        found.append(Check("tsa", "The time-stamp authority did not answer a time-stamp query.", check_tsa))
    return found


def _timed(check: Check) -> tuple[str, float, BaseException | None]:
    started = time.perf_counter()
    try:
        check.run()
    except BaseException as exc:  # noqa: BLE001  (any failure of a check is its answer)
        return "fail", time.perf_counter() - started, exc
    return "ok", time.perf_counter() - started, None


def readiness() -> tuple[bool, dict]:
    """Run every check at once, each held to READYZ_TIMEOUT_SECONDS; return (ready, the answer)."""
    timeout = settings.READYZ_TIMEOUT_SECONDS
    wanted = checks()
    pool = ThreadPoolExecutor(max_workers=len(wanted), thread_name_prefix="readyz")
    futures = {check.name: pool.submit(_timed, check) for check in wanted}
    deadline = time.monotonic() + timeout
    answer = {}
    for check in wanted:
        try:
            status, seconds, error = futures[check.name].result(max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            status, seconds, error = "fail", timeout, None
            answer[check.name] = {
                "status": "fail",
                "seconds": round(seconds, 4),
                "error": f"{check.failure} No answer within {timeout:g} s.",
            }
            continue
        answer[check.name] = {"status": status, "seconds": round(seconds, 4)}
        if error is not None:
            answer[check.name]["error"] = f"{check.failure} ({type(error).__name__})"
    pool.shutdown(wait=False)  # a check that hangs is left to its own timeout, not waited for here
    ready = all(result["status"] == "ok" for result in answer.values())
    return ready, {"status": "ok" if ready else "fail", "checks": answer}


@never_cache
@require_safe
def healthz(request):
    """200 while the process answers."""
    return JsonResponse({"status": "ok"})


_last: tuple[float, bool, dict] | None = None  # (when, ready, answer) of the last run in this process
_running = threading.Lock()


def readiness_recent() -> tuple[bool, dict]:
    """The last run's answer while it is under READYZ_CACHE_SECONDS old, else a new run's; one
    run at a time in this process (callers meanwhile wait for it and share its answer)."""
    global _last
    with _running:
        now = time.monotonic()
        if _last is None or now - _last[0] >= settings.READYZ_CACHE_SECONDS:
            ready, answer = readiness()
            _last = (time.monotonic(), ready, answer)
        return _last[1], _last[2]


@never_cache
@require_safe
def readyz(request):
    """200 when every check passes, else 503; each check's status and time to a caller who may
    read the metrics, the status alone to anyone else."""
    ready, answer = readiness_recent()
    if not can_read_metrics(request):
        answer = {"status": answer["status"]}
    response = JsonResponse(answer, status=200 if ready else 503)
    if not ready:
        response["Retry-After"] = "5"
    return response
