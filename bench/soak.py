"""Soak: the gate's HTTP check held at 70% of its peak for SOAK_SECONDS (600 by default), on the
gate bench's data set (1M grants), gunicorn with one worker per core, the load generator on the
same machine.

Measured in the same run: the peak (closed loop, as many connections as workers x 2), the
unloaded p99 (one request at a time), then the soak at a fixed rate of 70% of the peak, with
latency counted from when each request was due (so a stall is not hidden by the generator
waiting for it). Goals: no error, p99 within 2x the unloaded p99, the workers' resident memory
growing by less than 10% from the first minute to the last.

Prints JSON and writes bench/results/soak.json. `make soak`.
"""

import http.client
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import gunicorn, percentiles, port, report, size  # noqa: E402
from gate import dataset, http_body  # noqa: E402

SOAK_SECONDS = int(os.environ.get("SOAK_SECONDS") or size(600, 1))
PORT = port(8762)
PATH = "/api/generation/requests/check/"


def rss_mb(pids) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return round(total / 1024, 1)


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True
    ).stdout.split()
    return [master, *map(int, out)]


class Load:
    """Requests on kept-alive connections: closed loop (as fast as answered) or at a fixed rate."""

    def __init__(self, body: bytes, token: str):
        self.body, self.headers = (
            body,
            {"Content-Type": "application/json", "Authorization": f"Token {token}"},
        )

    def _one(self, conn) -> int:
        conn.request("POST", PATH, body=self.body, headers=self.headers)
        response = conn.getresponse()
        response.read()
        return response.status

    def run(self, seconds: float, connections: int, rate: float | None = None) -> dict:
        latencies, errors, lock = [], [], threading.Lock()
        start = time.perf_counter()
        end = start + seconds

        def loop(k):
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            n = 0
            while True:
                due = start + (k + n * connections) / rate if rate else time.perf_counter()
                if due >= end:
                    break
                wait = due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                try:
                    status = self._one(conn)
                except (OSError, http.client.HTTPException) as exc:
                    status = repr(exc)
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
                done = time.perf_counter()
                with lock:
                    latencies.append(done - due)
                    if status != 200:
                        errors.append(status)
                n += 1
            conn.close()

        threads = [threading.Thread(target=loop, args=(k,)) for k in range(connections)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        return {
            **percentiles(latencies),
            "requests": len(latencies),
            "per_second": round(len(latencies) / elapsed, 1),
            "errors": len(errors),
            "error_kinds": sorted({str(e) for e in errors})[:5],
        }


def main():
    user, shot, inputs, _, _ = dataset()
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=user)
    workers = os.cpu_count() or 2
    with gunicorn(PORT) as server:
        load = Load(json.dumps(http_body(shot, inputs)).encode(), token.key)
        load.run(size(5, 1), workers * 2)  # warm every worker
        peak = load.run(size(20, 1), workers * 2)
        unloaded = load.run(size(20, 1), 1, rate=10)
        rate = round(0.7 * peak["per_second"], 1)
        minutes, rss = [], []
        for _minute in range(max(1, SOAK_SECONDS // 60)):
            minutes.append(load.run(min(60, SOAK_SECONDS), workers * 2, rate=rate))
            rss.append(rss_mb(worker_pids(server.pid)))
        p99s = [m["p99_ms"] for m in minutes]
        growth = round((rss[-1] - rss[0]) / rss[0] * 100, 1) if rss[0] else None
        errors = sum(m["errors"] for m in minutes)
        report(
            "soak",
            {
                "seconds": SOAK_SECONDS,
                "gunicorn_workers": workers,
                "path": PATH,
                "peak": peak,
                "unloaded_one_at_a_time": unloaded,
                "rate_per_second": rate,
                "per_minute": [
                    {
                        "p50_ms": m["p50_ms"],
                        "p99_ms": m["p99_ms"],
                        "per_second": m["per_second"],
                        "errors": m["errors"],
                        "rss_mb": r,
                    }
                    for m, r in zip(minutes, rss)
                ],
                "requests": sum(m["requests"] for m in minutes),
                "errors": errors,
                "worst_minute_p99_ms": max(p99s),
                "rss_first_minute_mb": rss[0],
                "rss_last_minute_mb": rss[-1],
                "rss_growth_percent": growth,
                "goals": {"errors": 0, "p99_within_x_unloaded": 2, "rss_growth_percent_below": 10},
                "goals_met": {
                    "errors": errors == 0,
                    "p99": max(p99s) <= 2 * unloaded["p99_ms"],
                    "rss": growth is not None and growth < 10,
                },
            },
        )


if __name__ == "__main__":
    main()
