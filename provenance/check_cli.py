"""rightsledger-check: ask a Rightsledger service whether files may be used for AI training.

    rightsledger-check PATH... --url https://rights.example.com [--mode fingerprint|upload]
                       [--format csv|json] [--output REPORT]

Walks folders and asks POST /api/training-clearance/ in batches. By default (fingerprint mode)
each file's SHA-256 and perceptual hash are computed here, on every core, and only those are
sent, about 40 bytes a file: re-encoded, resized and cropped copies of a reserved work are still
found. Upload mode sends the files themselves, so the service also reads their own Content
Credentials and compares embeddings. Writes one line per file: path, SHA-256, verdict (allowed,
not_allowed, unknown), reasons.
Exit codes: 0 done, 1 some files are not allowed, 2 bad input or the service failed. Imports no
Django: it is a client for dataset builders outside the studio.
"""

import argparse
import hashlib
import io
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import filetype

from rightsledger.csvexport import dict_writer

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".gif", ".bmp", ".mp4", ".mov"}


def examine(path) -> dict:
    """Return what fingerprint mode knows of a file without sending it: its SHA-256, the pHash of
    the whole image (hex; None if it is not an image), and the verdict its own Content
    Credentials or XMP give, if any. Runs in the hashing processes."""
    # Deferred to the hashing processes, off the CLI's start-up: pycountry (through
    # rightsledger.vocab) and imagehash, numpy and PIL.
    from provenance.embedded import embedded_verdict
    from provenance.phash import load, phash

    data = Path(path).read_bytes()
    store = None
    if b"c2pa" in data:  # the JUMBF label of a manifest store: read it here, as the service would
        store = _manifest_store(data)
    said, _ = embedded_verdict(data, store)
    ph, frames = None, None
    try:
        ph = f"{phash(load(data)) & 0xFFFF_FFFF_FFFF_FFFF:016x}"
    except (OSError, ValueError):
        frames = _clip_phashes(data)
    return {"sha256": hashlib.sha256(data).hexdigest(), "phash": ph, "phashes": frames, "embedded": said}


CLIP_SAMPLE_SECONDS = 0.5  # as the service samples a clip: a quarter of its keyframe interval (2 s)


def _clip_phashes(data: bytes) -> list[str] | None:
    """The pHashes of a clip's frames, one every CLIP_SAMPLE_SECONDS; None if it is not a clip."""
    from provenance.fingerprint import clip_phashes  # defers numpy and FFmpeg (PyAV) until a clip is read

    return [f"{h & 0xFFFF_FFFF_FFFF_FFFF:016x}" for h in clip_phashes(data, CLIP_SAMPLE_SECONDS)] or None


def _manifest_store(data: bytes) -> dict | None:
    import c2pa  # defers the C2PA library until a file holds a manifest

    kind = filetype.guess(data[:8192])
    if kind is None:
        return None
    try:
        reader = c2pa.Reader(kind.mime, io.BytesIO(data))
    except c2pa.C2paError:  # no readable manifest: the file says nothing itself
        return None
    store = json.loads(reader.json())
    store["validation_state"] = reader.get_validation_state()
    return store


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
        out.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="{path.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        )
        out.append(path.read_bytes())
        out.append(b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


def ask(url, files, token=None, retries=5, fingerprints=None):
    """Return the service's verdicts for a batch: of the files, or of their fingerprints."""
    if not url.startswith(("http://", "https://")):
        raise SystemExit(f"--url must be the service's http:// or https:// address, not {url!r}.")
    if fingerprints is not None:
        body, content_type = json.dumps({"fingerprints": fingerprints}).encode(), "application/json"
    else:
        body, content_type = _multipart(files)
    headers = {"Content-Type": content_type}
    if token:
        headers["Authorization"] = f"Token {token}"
    for attempt in range(retries):
        req = urllib.request.Request(
            url.rstrip("/") + "/api/training-clearance/", data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(req, timeout=300) as response:  # nosec B310: http(s) only, checked above
                return json.loads(response.read())["results"]
        except urllib.error.HTTPError as exc:
            if exc.code == 429 and attempt < retries - 1:  # rate-limited: wait as told
                time.sleep(float(exc.headers.get("Retry-After") or 2))
                continue
            detail = exc.read().decode(errors="replace")[:500]
            raise RuntimeError(f"the service answered {exc.code}: {detail}") from None
    raise RuntimeError("the service kept rate-limiting the requests")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="rightsledger-check", description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--url", required=True, help="the Rightsledger service")
    parser.add_argument("--token", help="an API token, if the service asks for one")
    parser.add_argument("--format", choices=["csv", "json"], default="csv")
    parser.add_argument("--output", help="report file (default: standard output)")
    parser.add_argument(
        "--mode",
        choices=["fingerprint", "upload"],
        default="fingerprint",
        help="send fingerprints computed here (default), or the files themselves",
    )
    parser.add_argument(
        "--batch", type=int, help="items per request (default: 1000 fingerprints, or 20 files)"
    )
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="processes hashing files (fingerprint mode)"
    )
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
        from tqdm import tqdm  # deferred (and optional): a progress bar once there are files

        bar = tqdm(total=len(files), unit="file", file=sys.stderr)
    except ImportError:
        bar = None
    rows = []
    size = args.batch or (1000 if args.mode == "fingerprint" else 20)
    pool = None
    if args.mode == "fingerprint":
        from multiprocessing import Pool  # deferred: only the fingerprint mode hashes here

        pool = Pool(args.jobs)
    try:
        for i in range(0, len(files), size):
            batch = files[i : i + size]
            if pool:
                seen = pool.map(examine, batch, chunksize=64)
                # A file whose own credentials or XMP decide is not asked about.
                asked = [s for s in seen if s["embedded"] is None]
                answers = iter(
                    ask(
                        args.url,
                        None,
                        args.token,
                        fingerprints=[
                            {
                                "sha256": s["sha256"],
                                "phash": s["phash"],
                                **({"phashes": s["phashes"]} if s.get("phashes") else {}),
                            }
                            for s in asked
                        ],
                    )
                    if asked
                    else []
                )
                results = [
                    {"sha256": s["sha256"], **s["embedded"]} if s["embedded"] else next(answers) for s in seen
                ]
            else:
                results = ask(args.url, batch, args.token)
            for path, result in zip(batch, results):
                rows.append(
                    {
                        "path": str(path),
                        "sha256": result["sha256"],
                        "verdict": result["verdict"],
                        "reasons": " ".join(result["reasons"]),
                    }
                )
            if bar:
                bar.update(len(batch))
    except (RuntimeError, urllib.error.URLError, OSError) as exc:
        print(f"rightsledger-check: {exc}", file=sys.stderr)
        return 2
    finally:
        if bar:
            bar.close()
        if pool:
            pool.close()
    out = open(args.output, "w", newline="") if args.output else sys.stdout
    if args.format == "json":
        json.dump(rows, out, indent=2)
        out.write("\n")
    else:
        writer = dict_writer(out, fieldnames=["path", "sha256", "verdict", "reasons"])
        writer.writeheader()
        writer.writerows(rows)
    if args.output:
        out.close()
    return 1 if any(r["verdict"] == "not_allowed" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
