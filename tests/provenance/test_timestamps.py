"""Time-stamped Content Credentials: every signature carries an RFC 3161 time-stamp from a real
TSA (OpenSSL behind tests/tsa.py), so an output still verifies as trusted once its signing
certificate has expired; a TSA that does not answer fails the signing, to be retried, and never
yields an output without a time-stamp unless C2PA_TSA_REQUIRED=0 says so."""

import datetime
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from generation.models import GenerationOutput, GenerationRequest
from provenance import credentials, services, tsa
from provenance import identity as ident

from ..generation.conftest import Gate
from ..tsa import tsa_chain
from .signing import FACTS, sign_png
from .test_credentials import content


def codes(store: dict) -> set[str]:
    """The validation status codes c2pa's reader gave the active manifest, of every kind."""
    active = store["validation_results"].get("activeManifest") or {}
    return {s["code"] for kind in ("success", "informational", "failure") for s in active.get(kind, [])}


@pytest.fixture
def gate(world):
    return Gate(world)


@pytest.fixture
def unanswering_tsa():
    """A TSA address where something listens and answers every query with 503."""

    class Down(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Down)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def closed_port_url() -> str:
    import socket

    with socket.socket() as s:  # a port just freed: nothing listens there
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/"


def test_every_output_is_time_stamped_by_the_tsa(db):
    store = services.read_store(sign_png(), "image/png")
    assert "timeStamp.validated" in codes(store)
    assert store["validation_state"] == "Trusted"


def test_a_time_stamped_output_stays_trusted_after_its_certificate_expires(db, tmp_path, settings):
    # The process's TSA is not among the anchors; this test's own TSA is, as a studio trusts its TSA.
    tsa_paths = tsa_chain(tmp_path / "tsa", organization="Studio TSA")
    httpd, url = tsa.start(tmp_path / "tsa")
    try:
        paths = ident.chain_create(
            tmp_path / "short",
            label="Studio",
            organization="Studio Pictures",
            valid_for=datetime.timedelta(seconds=3),
        )
        identity = services.identity_register(
            name="short-lived", chain_pem=paths["chain"].read_text(), key_path=str(paths["key"])
        )
        settings.C2PA_TRUST_ANCHORS = [str(paths["root"]), str(tsa_paths["root"])]
        settings.C2PA_TSA_URL = url
        stamped = sign_png(identity=identity)
        settings.C2PA_TSA_REQUIRED = False
        settings.C2PA_TSA_URL = ""
        bare = sign_png(identity=identity)
    finally:
        httpd.shutdown()
        httpd.server_close()
    while timezone.now() <= identity.not_after + datetime.timedelta(seconds=1):
        time.sleep(0.25)

    store = services.read_store(stamped, "image/png")
    assert store["validation_state"] == "Trusted", sorted(codes(store))
    assert {"timeStamp.validated", "timeStamp.trusted", "signingCredential.trusted"} <= codes(store)
    assert credentials.trust_of(stamped, "image/png", store["validation_state"]) == credentials.TRUSTED
    # The same certificate, without a time-stamp: read after it expired, nothing vouches for it.
    bare_store = services.read_store(bare, "image/png")
    assert "signingCredential.expired" in codes(bare_store)
    assert credentials.trust_of(bare, "image/png", bare_store["validation_state"]) != credentials.TRUSTED


@pytest.mark.parametrize("down", ["refused", "503"])
def test_a_tsa_that_is_down_fails_the_signing(db, settings, unanswering_tsa, down):
    settings.C2PA_TSA_URL = closed_port_url() if down == "refused" else unanswering_tsa
    with pytest.raises(services.SigningError, match="did not answer.*nothing was signed.*Retry"):
        sign_png()


def test_without_a_tsa_nothing_is_signed_unless_it_is_not_required(db, settings):
    settings.C2PA_TSA_URL = ""
    with pytest.raises(services.SigningError, match="C2PA_TSA_URL"):
        sign_png()
    settings.C2PA_TSA_REQUIRED = False
    store = services.read_store(sign_png(), "image/png")
    assert store["validation_state"] == "Trusted" and "timeStamp.validated" not in codes(store)


def test_not_required_a_tsa_that_is_down_yields_an_output_without_a_time_stamp(db, settings, caplog):
    settings.C2PA_TSA_URL = closed_port_url()
    settings.C2PA_TSA_REQUIRED = False
    store = services.read_store(sign_png(), "image/png")
    assert store["validation_state"] == "Trusted"
    assert not {c for c in codes(store) if c.startswith("timeStamp")}
    assert "signed without a time-stamp" in caplog.text


def test_a_run_whose_tsa_is_down_fails_retryably_and_succeeds_on_retry(
    gate, api, settings, time_stamp_authority, django_capture_on_commit_callbacks
):
    settings.C2PA_TSA_URL = closed_port_url()
    producer = api(gate.world.producer_a)
    rid = producer.post("/api/generation/requests/", gate.body(), format="json").json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        producer.post(f"/api/generation/requests/{rid}/queue/")
    req = GenerationRequest.objects.get(pk=rid)
    assert req.status == "failed"
    assert "time-stamp authority" in req.failure and "Retry" in req.failure
    assert not GenerationOutput.objects.filter(request=req).exists()

    settings.C2PA_TSA_URL = time_stamp_authority["url"]
    with django_capture_on_commit_callbacks(execute=True):
        assert producer.post(f"/api/generation/requests/{rid}/retry/").status_code == 202
    req.refresh_from_db()
    assert req.status == "succeeded", req.failure
    assert "timeStamp.validated" in codes(services.read_store(content(req.output.asset), "image/png"))


def test_a_clip_whose_tsa_is_down_leaves_no_signed_file(db, tmp_path, settings):
    import av
    from PIL import Image

    source = tmp_path / "clip.mp4"
    with av.open(str(source), "w") as out:
        stream = out.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for i in range(6):
            frame = av.VideoFrame.from_image(Image.new("RGB", (64, 64), (i * 40, 0, 0)))
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    dest = tmp_path / "clip.signed.mp4"
    settings.C2PA_TSA_URL = closed_port_url()
    with pytest.raises(services.SigningError, match="did not answer"):
        services.sign_file(
            source_path=str(source),
            dest_path=str(dest),
            media_type="video/mp4",
            facts=FACTS,
            ingredients=[],
            image=Image.new("RGB", (64, 64)),
        )
    assert not dest.exists()
