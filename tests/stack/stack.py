"""The Procfile's processes, started with honcho as `make stack` starts them, each in a working
folder of its own (RIGHTSLEDGER_RUN_DIR/<name>, bin/stack-process), against the test database, a
Redis broker and an S3 endpoint; stopped, with every child, even when the test fails."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = ("web", "worker", "fingerprint", "beat", "tracker")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    def __init__(self, env: dict, run_dir: Path, log: Path):
        self.env, self.run_dir, self.log_path = env, run_dir, log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def start(self, timeout: float = 180) -> "Stack":
        for name in PROCESSES:
            (self.run_dir / name / "tmp").mkdir(parents=True)
        env = {
            **self.env,
            "RIGHTSLEDGER_RUN_DIR": str(self.run_dir),
            "WEB_BIND": f"127.0.0.1:{self.port}",
            "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
        }
        self.log = open(self.log_path, "w+")  # noqa: SIM115  (closed in stop)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "honcho", "start", "-f", str(ROOT / "Procfile"), "-d", str(ROOT)],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends every child with it
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = self.output()
            if self.proc.poll() is not None:
                raise AssertionError("The stack exited at start:\n" + out[-6000:])
            ready = out.count("ready.") >= 2 and "beat: Starting" in out and "idles" in out
            if ready and self._answers():
                return self
            time.sleep(0.5)
        raise AssertionError(f"The stack did not start within {timeout:.0f} s:\n" + self.output()[-6000:])

    def _answers(self) -> bool:
        try:
            urllib.request.urlopen(self.url + "/api/", timeout=2).close()
            return True
        except urllib.error.HTTPError:
            return True  # it answered (401/403/404 are answers)
        except OSError:
            return False

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def pids(self) -> list[int]:
        """The processes honcho started ("web.1 | started with pid 1234")."""
        return [int(m) for m in re.findall(r"started with pid (\d+)", self.output())]

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # honcho stops its processes in turn
            try:
                self.proc.wait(40)
            except subprocess.TimeoutExpired:
                pass
        # honcho starts each process in a session of its own: whatever outlived it is killed by group.
        for pgid in [self.proc.pid, *self.pids()]:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.proc.wait(10)
        self.log.close()
