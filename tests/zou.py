"""A real zou (Kitsu's server) for the tests: its own virtualenv (made by `make zou`), its own
database in the local PostgreSQL, Redis for its key-value store, and gunicorn serving zou.app on
a loopback port. Started once per session; a test may stop and start it again."""

import os
import secrets
import signal
import socket
import subprocess
import time
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[1]
ADMIN = ("admin@example.com", "Rightsledger-zou-admin-1")


def venv() -> Path | None:
    path = Path(os.environ.get("ZOU_VENV") or ROOT / ".zou")
    return path if (path / "bin" / "zou").exists() and (path / "bin" / "gunicorn").exists() else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Zou:
    def __init__(self, folder: Path):
        self.bin = venv() / "bin"
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = f"rightsledger_zou_{os.getpid()}"
        self.process = None
        (folder / "previews").mkdir(parents=True, exist_ok=True)
        (folder / "tmp").mkdir(parents=True, exist_ok=True)
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "DATABASE", "CELERY"))},
            "SECRET_KEY": secrets.token_hex(32),
            "DB_HOST": "127.0.0.1",
            "DB_PORT": "5432",
            "DB_USERNAME": "postgres",
            "DB_PASSWORD": "",
            "DB_DATABASE": self.database,
            "KV_HOST": "127.0.0.1",
            "KV_PORT": "6379",
            "PREVIEW_FOLDER": str(folder / "previews"),
            "TMP_DIR": str(folder / "tmp"),
            # An in-process cache rather than Redis's shared database 1, where another zou's
            # cached ids would outlive their database; hence one process (with threads).
            "CACHE_TYPE": "simple",
        }

    def _zou(self, *args):
        done = subprocess.run(
            [str(self.bin / "zou"), *args], env=self.env, capture_output=True, text=True, timeout=300
        )
        if done.returncode:
            raise RuntimeError(f"zou {' '.join(args)} failed: {done.stderr[-2000:]}")

    def install(self):
        with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database}"')
            conn.execute(f'CREATE DATABASE "{self.database}"')
        self._zou("init-db")
        self._zou("init-data")
        self._zou("create-admin", ADMIN[0], "--password", ADMIN[1])

    def start(self):
        log = open(self.folder / "gunicorn.log", "ab")
        self.process = subprocess.Popen(
            [
                str(self.bin / "gunicorn"),
                "-b",
                f"127.0.0.1:{self.port}",
                "-w",
                "1",
                "--threads",
                "4",
                "--timeout",
                "60",
                "zou.app:app",
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/", timeout=1).status_code < 500:
                    return
            except requests.RequestException:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"zou stopped at start: {(self.folder / 'gunicorn.log').read_text()[-2000:]}"
                )
            time.sleep(0.2)
        raise RuntimeError("zou did not answer within 60 s")

    def start_events(self) -> str:
        """zou's event stream (Socket.IO), one gevent process, on a port of its own."""
        port = free_port()
        log = open(self.folder / "events.log", "ab")
        self.events = subprocess.Popen(
            [
                str(self.bin / "gunicorn"),
                "-k",
                "geventwebsocket.gunicorn.workers.GeventWebSocketWorker",
                "-w",
                "1",
                "-b",
                f"127.0.0.1:{port}",
                "zou.event_stream:app",
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(url + "/", timeout=1)
                return url
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError("zou's event stream did not answer within 60 s")

    def stop_events(self):
        os.killpg(self.events.pid, signal.SIGKILL)
        self.events.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)  # gunicorn's quick shutdown
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None

    def drop(self):
        self.stop()
        with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
