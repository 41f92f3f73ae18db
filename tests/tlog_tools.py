"""Transparency-log tools that are not ours, for the tests: aics-tlog (a C2SP tlog-tiles, checkpoint
and cosignature verifier) and aics-witness (a C2SP tlog-witness), in a virtualenv of their own
made by `make tlog-tools` with a Python >= 3.12 (TLOG_TOOLS_VENV, by default .tlogtools). Each runs
as a process of its own; nothing of theirs is imported here."""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AUDIT_SCRIPT = Path(__file__).with_name("tlog_tools_audit.py")
MISSING = (
    "aics-tlog and aics-witness need a virtualenv with Python >= 3.12 (`make tlog-tools`, or set "
    "TLOG_TOOLS_VENV): none was found, so these checks with code that is not ours are skipped"
)


def venv() -> Path | None:
    path = Path(os.environ.get("TLOG_TOOLS_VENV") or ROOT / ".tlogtools")
    found = all((path / "bin" / tool).exists() for tool in ("aics-tlog", "aics-witness"))
    return path if found else None


def aics_tlog(*args: str, timeout: float = 300) -> dict:
    """Run `aics-tlog` with the arguments; return its JSON report (with "ok")."""
    done = subprocess.run(
        [str(venv() / "bin" / "aics-tlog"), *args], capture_output=True, text=True, timeout=timeout
    )
    try:
        report = json.loads(done.stdout)
    except ValueError:
        raise AssertionError(
            f"aics-tlog {args[0]} printed no report: {done.stdout[-500:]} {done.stderr[-2000:]}"
        ) from None
    assert report["ok"] == (done.returncode == 0), (report, done.returncode)
    return report


def audit(url: str, log_key: str, *, token: str = "", timeout: float = 600) -> dict:
    """Run aics-tlog's full audit (every hash tile, and every entry bundle when a token lets it
    read them) against the checkpoint served at url; return its JSON report (with "ok")."""
    args = [str(venv() / "bin" / "python"), str(AUDIT_SCRIPT), "--tiles", url, "--log-key", log_key]
    done = subprocess.run(
        [*args, *(["--token", token] if token else [])], capture_output=True, text=True, timeout=timeout
    )
    try:
        return json.loads(done.stdout)
    except ValueError:
        raise AssertionError(
            f"the audit printed no report: {done.stdout[-500:]} {done.stderr[-2000:]}"
        ) from None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AicsWitness:
    """aics-witness in a process of its own, with its config, key and database under folder."""

    def __init__(self, folder: Path, name: str = "witness.guild.example/w1"):
        self.bin = venv() / "bin" / "aics-witness"
        self.folder = folder
        self.config = folder / "witness.json"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None
        folder.mkdir(parents=True, exist_ok=True)
        self.vkey = (
            self._run("init", "--name", name, "--listen", f"127.0.0.1:{self.port}").strip().splitlines()[-1]
        )

    def _run(self, *args: str) -> str:
        done = subprocess.run(
            [str(self.bin), *args[:1], "--config", str(self.config), *args[1:]],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode:
            raise RuntimeError(f"aics-witness {args[0]} failed: {done.stderr[-2000:]}")
        return done.stdout

    def add_log(self, origin: str, vkey: str) -> None:
        self._run("add-log", "--origin", origin, "--vkey", vkey)

    def start(self) -> None:
        log = open(self.folder / "witness.log", "ab")
        self.process = subprocess.Popen(
            [str(self.bin), "serve", "--config", str(self.config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(self.url + "/healthz", timeout=1).status == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"aics-witness did not start: {(self.folder / 'witness.log').read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(20)
        self.process = None

    def log(self) -> str:
        return (self.folder / "witness.log").read_text()
