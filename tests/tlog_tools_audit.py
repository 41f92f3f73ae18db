"""A full audit of a C2SP tlog-tiles log with aics-tlog's own library, run by the Python of its
virtualenv (tests/tlog_tools.py, bench/ledger.py): the served checkpoint is verified with the log
key given here, then every hash tile, and every entry bundle when --token lets it read them, is
authenticated against that checkpoint's root (aics_tlog.audit_tiles). Prints one JSON report."""

import argparse
import json
import sys
import time
import urllib.request

from aics_tlog import HttpTileReader, audit_tiles, parse_note, parse_vkey, verify_checkpoint
from aics_tlog.remote import _NoRedirect


class _Token(urllib.request.BaseHandler):
    """Sends the operator's API token: entry bundles are served to the ledger's operators."""

    def __init__(self, token: str):
        self.token = token

    def http_request(self, request):
        request.add_unredirected_header("Authorization", f"Token {self.token}")
        return request


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tiles", required=True)
    parser.add_argument("--log-key", required=True)
    parser.add_argument("--token", default="")
    args = parser.parse_args()
    start = time.perf_counter()
    reader = HttpTileReader(args.tiles, timeout=60)
    if args.token:  # the reader has no option for a header: its opener is made again with one
        reader._opener = urllib.request.build_opener(_NoRedirect(), _Token(args.token))
    report = {"ok": False, "entries": bool(args.token)}
    try:
        result = verify_checkpoint(parse_note(reader.read_checkpoint()), parse_vkey(args.log_key), [], 0)
        if not result.ok:
            raise ValueError(f"checkpoint: {result.error}")
        done = audit_tiles(reader, result.size, result.root, entries=bool(args.token))
        report.update(ok=True, size=done.size, tiles=done.tiles, bundles=done.bundles)
    except Exception as exc:  # noqa: BLE001  (every failure is the report's)
        report["error"] = f"{type(exc).__name__}: {exc}"
    report.update(seconds=round(time.perf_counter() - start, 3), requests=reader.stats["requests"])
    print(json.dumps(report))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
