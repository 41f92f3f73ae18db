"""A small RFC 3161 time-stamp authority over HTTP, answered by OpenSSL's `openssl ts -reply`.

For development and the demo only: its time-stamping chain is a development chain (its names say
UNTRUSTED), made by identity.dev_tsa_chain_create, and its clock is this machine's. Production
signing names a real TSA in C2PA_TSA_URL, one on the C2PA TSA Trust List.
"""

import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
MAX_QUERY = 16 * 1024  # a query is a hash and a few fields: a few hundred bytes
POLICY = "1.3.6.1.4.1.55555.1.1"  # a development policy identifier, asserted by no one

CONFIG = """\
[ tsa ]
default_tsa = tsa_config

[ tsa_config ]
serial = {dir}/serial
crypto_device = builtin
signer_cert = {dir}/signer.pem
certs = {dir}/chain.pem
signer_key = {dir}/signer.key
signer_digest = sha256
default_policy = {policy}
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def prepare(directory: Path) -> Path:
    """Write the OpenSSL configuration for a time-stamping chain made in directory (chain.pem,
    signer.key): the unit's certificate apart, and a serial file. Return the configuration's path."""
    directory = Path(directory)
    certs = (directory / "chain.pem").read_text().split("-----END CERTIFICATE-----")
    (directory / "signer.pem").write_text(certs[0].strip() + "\n-----END CERTIFICATE-----\n")
    serial = directory / "serial"
    if not serial.exists():
        serial.write_text("01\n")
    config = directory / "tsa.cnf"
    config.write_text(CONFIG.format(dir=directory, policy=POLICY))
    return config


def reply(config: Path, query: bytes) -> bytes:
    """Answer one DER time-stamp query with a DER time-stamp response; ValueError if OpenSSL
    cannot read the query."""
    with tempfile.TemporaryDirectory() as tmp:
        q, r = Path(tmp) / "query.tsq", Path(tmp) / "reply.tsr"
        q.write_bytes(query)
        done = subprocess.run(  # noqa: S603 (a fixed command; the query is a file, never an argument)
            ["openssl", "ts", "-reply", "-config", str(config), "-queryfile", str(q), "-out", str(r)],  # noqa: S607
            capture_output=True,
            timeout=30,
        )
        if done.returncode != 0 or not r.exists():
            raise ValueError(done.stderr.decode(errors="replace").strip() or "openssl ts failed")
        return r.read_bytes()


class _Handler(BaseHTTPRequestHandler):
    config: Path
    lock: threading.Lock

    def do_POST(self):  # noqa: N802 (the name http.server calls)
        length = int(self.headers.get("Content-Length") or 0)
        if self.headers.get_content_type() != QUERY_TYPE or not 0 < length <= MAX_QUERY:
            self._send(400, "text/plain", f"POST a DER time-stamp query as {QUERY_TYPE}.".encode())
            return
        try:
            with self.lock:  # the serial file is read and written by each reply
                body = reply(self.config, self.rfile.read(length))
        except ValueError as exc:
            self._send(400, "text/plain", f"The query could not be read: {exc}".encode())
            return
        self._send(200, REPLY_TYPE, body)

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 (http.server's signature)
        pass


def server(directory: Path, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """A time-stamp server for the chain in directory, bound (port 0: any free port) but not yet
    serving: call serve_forever, in a thread or not."""
    handler = type("TsaHandler", (_Handler,), {"config": prepare(directory), "lock": threading.Lock()})
    return ThreadingHTTPServer((host, port), handler)


def start(directory: Path, host: str = "127.0.0.1", port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    """Serve in a daemon thread; return the server (shutdown() stops it) and its URL."""
    httpd = server(directory, host, port)
    threading.Thread(target=httpd.serve_forever, daemon=True, name="dev-tsa").start()
    return httpd, f"http://{host}:{httpd.server_address[1]}/"


def dev_start(directory: Path, host: str = "127.0.0.1", port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    """Serve the development TSA from directory, making its development chain there first if it
    has none (identity.dev_tsa_chain_create); return the server and its URL."""
    from .identity import dev_tsa_chain_create

    directory = Path(directory)
    if not (directory / "chain.pem").exists():
        dev_tsa_chain_create(directory)
    return start(directory, host, port)
