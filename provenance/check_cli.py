"""rightsledger-check: ask a Rightsledger service whether files may be used for AI training.

    rightsledger-check PATH... --url https://rights.example.com [--format csv|json] [--output REPORT]

Walks folders, sends files in batches to POST /api/training-clearance/, shows progress, and
writes one line per file: path, SHA-256, verdict (allowed, not_allowed, unknown), reasons.
Exit codes: 0 done, 1 some files are not allowed, 2 bad input or the service failed. Imports no
Django: it is a client for dataset builders outside the studio.
"""

import argparse
import csv
import json
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".gif", ".bmp", ".mp4", ".mov"}


def walk(paths):
    for p in map(Path, paths):
        if p.is_dir():
            yield from sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES)
        elif p.is_file():
            yield p
        else:
            raise FileNotFoundError(p)


def _multipart(files):
    boundary = uuid.uuid4().hex
    out = []
    for path in files:
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{path.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode())
        out.append(path.read_bytes())
        out.append(b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


def ask(url, files, token=None, retries=5):
    body, content_type = _multipart(files)
    headers = {"Content-Type": content_type}
    if token:
        headers["Authorization"] = f"Token {token}"
    for attempt in range(retries):
        req = urllib.request.Request(url.rstrip("/") + "/api/training-clearance/", data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=300) as response:
                return json.loads(response.read())["results"]
        except urllib.error.HTTPError as exc:
            if exc.code == 429 and attempt < retries - 1:  # rate-limited: wait as told
                time.sleep(float(exc.headers.get("Retry-After") or 2))
                continue
            detail = exc.read().decode(errors="replace")[:500]
            raise RuntimeError(f"the service answered {exc.code}: {detail}")
    raise RuntimeError("the service kept rate-limiting the requests")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="rightsledger-check", description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--url", required=True, help="the Rightsledger service")
    parser.add_argument("--token", help="an API token, if the service asks for one")
    parser.add_argument("--format", choices=["csv", "json"], default="csv")
    parser.add_argument("--output", help="report file (default: standard output)")
    parser.add_argument("--batch", type=int, default=20)
    args = parser.parse_args(argv)
    try:
        files = list(walk(args.paths))
    except FileNotFoundError as exc:
        print(f"rightsledger-check: no such file or folder: {exc}", file=sys.stderr)
        return 2
    if not files:
        print("rightsledger-check: no files to check", file=sys.stderr)
        return 2
    try:
        from tqdm import tqdm

        bar = tqdm(total=len(files), unit="file", file=sys.stderr)
    except ImportError:
        bar = None
    rows = []
    try:
        for i in range(0, len(files), args.batch):
            batch = files[i : i + args.batch]
            for path, result in zip(batch, ask(args.url, batch, args.token)):
                rows.append({"path": str(path), "sha256": result["sha256"], "verdict": result["verdict"], "reasons": " ".join(result["reasons"])})
            if bar:
                bar.update(len(batch))
    except (RuntimeError, urllib.error.URLError, OSError) as exc:
        print(f"rightsledger-check: {exc}", file=sys.stderr)
        return 2
    finally:
        if bar:
            bar.close()
    out = open(args.output, "w", newline="") if args.output else sys.stdout
    if args.format == "json":
        json.dump(rows, out, indent=2)
        out.write("\n")
    else:
        writer = csv.DictWriter(out, fieldnames=["path", "sha256", "verdict", "reasons"])
        writer.writeheader()
        writer.writerows(rows)
    if args.output:
        out.close()
    return 1 if any(r["verdict"] == "not_allowed" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
