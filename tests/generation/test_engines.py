"""The built-in engines do real image work: size, determinism, and the plate still recognisable
under the effect. The HTTP engine is tested against a local server that speaks its contract."""

import base64
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from PIL import Image

from generation.engines import EngineError, EngineInput
from generation.engines.atmosphere import AtmosphereEngine
from generation.engines.crowd_fill import CrowdFillEngine
from generation.engines.http import HttpEngine
from generation.engines.set_extension import SetExtensionEngine

from .. import images
from .conftest import figure_png

PLATE = images.png(5, size=(480, 270))


def pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img.convert("RGB"), dtype=np.float32)


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    ga, gb = a.mean(axis=2).ravel(), b.mean(axis=2).ravel()
    return float(np.corrcoef(ga, gb)[0, 1])


def plate(data=PLATE):
    return EngineInput("plate", data, "image/png")


def test_atmosphere_keeps_the_size_is_deterministic_and_keeps_the_plate_recognisable():
    engine = AtmosphereEngine()
    a = engine.run([plate()], {"fog_density": 0.6, "rain": 0.4}, seed=7)
    b = engine.run([plate()], {"fog_density": 0.6, "rain": 0.4}, seed=7)
    c = engine.run([plate()], {"fog_density": 0.6, "rain": 0.4}, seed=8)
    assert a.data == b.data and a.data != c.data
    out, src = pixels(a.data), pixels(PLATE)
    assert out.shape == src.shape
    assert correlation(out, src) > 0.6  # the plate is still there under the weather
    assert np.abs(out - src).mean() > 10  # and the weather is really there


def test_atmosphere_fog_grows_toward_the_horizon():
    out = pixels(
        AtmosphereEngine().run([plate()], {"fog_density": 0.9, "rain": 0, "horizon": 0.5}, seed=1).data
    )
    src = pixels(PLATE)
    fog = np.array([0.78, 0.80, 0.84]) * 255
    near, far = slice(240, 270), slice(120, 140)  # bottom rows are near, rows at the horizon far
    distance = lambda rows, img: np.abs(img[rows] - fog).mean()  # noqa: E731
    assert distance(far, out) < distance(near, out)
    assert distance(near, out) < distance(near, src) + 1


def test_set_extension_widens_to_scope_and_keeps_the_plate_intact():
    out = SetExtensionEngine().run([plate()], {"target_aspect": 2.39}, seed=3)
    px = pixels(out.data)
    assert px.shape[:2] == (270, round(270 * 2.39))
    left = (px.shape[1] - 480) // 2
    assert np.array_equal(px[:, left : left + 480], pixels(PLATE))
    # A plausible continuation: the first columns outside the plate match its edge columns.
    assert np.abs(px[:, left - 4 : left] - px[:, left : left + 4][:, ::-1]).mean() < 12
    assert SetExtensionEngine().run([plate()], {"target_aspect": 2.39}, seed=3).data == out.data


def test_set_extension_to_a_taller_frame():
    px = pixels(SetExtensionEngine().run([plate()], {"target_aspect": 1.0}, seed=3).data)
    assert px.shape[:2] == (480, 480)


def test_set_extension_refuses_a_plate_already_at_the_target():
    with pytest.raises(EngineError, match="already"):
        SetExtensionEngine().run([plate(images.png(5, size=(478, 200)))], {"target_aspect": 2.39}, seed=1)


def test_crowd_fill_adds_figures_on_the_ground_and_leaves_the_sky():
    element = EngineInput("element", figure_png(), "image/png")
    result = CrowdFillEngine().run([plate(), element], {"count": 40, "horizon": 0.55}, seed=11)
    out, src = pixels(result.data), pixels(PLATE)
    assert out.shape == src.shape and result.metadata["figures"] == 40
    changed = np.abs(out - src).sum(axis=2) > 30
    sky = changed[: int(270 * 0.55) - int(270 * 0.36)]  # above the tallest figure's head
    assert sky.mean() == 0 and changed.mean() > 0.02
    assert correlation(out, src) > 0.7
    assert CrowdFillEngine().run([plate(), element], {"count": 40}, seed=11).data == result.data


def test_crowd_fill_scales_figures_by_depth():
    element = EngineInput("element", figure_png((200, 30, 30)), "image/png")
    out = pixels(
        CrowdFillEngine()
        .run([plate(images.png(0, (480, 270))), element], {"count": 60, "colour_match": 0}, seed=2)
        .data
    )
    red = (out[:, :, 0] > 150) & (out[:, :, 1] < 80)
    rows = np.nonzero(red.any(axis=1))[0]
    assert rows.max() - rows.min() > 40  # figures spread from the horizon down


def test_crowd_fill_needs_cut_out_elements():
    flat = EngineInput("element", images.png(1), "image/png")
    with pytest.raises(EngineError, match="alpha"):
        CrowdFillEngine().run([plate(), flat], {}, seed=1)


def test_parameter_checks_name_the_problem():
    assert AtmosphereEngine().check_params({"fog_density": 2}) == [
        "Fog density must be from 0 to 1; 2 is outside."
    ]
    assert "no parameter 'blur'" in AtmosphereEngine().check_params({"blur": 1})[0]
    assert CrowdFillEngine().check_inputs(["plate"]) == [
        "crowd_fill needs at least one element input (licensed RGBA crowd elements)."
    ]


class ModelServer(BaseHTTPRequestHandler):
    """A small model server speaking the HTTP engine contract: it returns the plate mirrored."""

    seen = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        ModelServer.seen.append(body)
        if body.get("contract") != 1:
            return self.answer(400, {"error": "unsupported contract"})
        if body["parameters"].get("fail"):
            return self.answer(503, {"error": "GPU out of memory"})
        src = Image.open(io.BytesIO(base64.b64decode(body["inputs"][0]["data"]))).transpose(
            Image.Transpose.FLIP_LEFT_RIGHT
        )
        buf = io.BytesIO()
        src.save(buf, "PNG")
        self.answer(
            200,
            {
                "media_type": "image/png",
                "data": base64.b64encode(buf.getvalue()).decode(),
                "metadata": {"seed": body["seed"]},
            },
        )

    def answer(self, code, payload):
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def model_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), ModelServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    ModelServer.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}/generate"
    server.shutdown()


def test_http_engine_speaks_the_contract(model_server):
    engine = HttpEngine(name="remote", url=model_server, version="2.1", uses=["other"])
    result = engine.run([plate()], {"strength": 0.5}, seed=99)
    assert result.media_type == "image/png" and result.metadata == {"seed": 99}
    assert np.array_equal(pixels(result.data), pixels(PLATE)[:, ::-1])
    sent = ModelServer.seen[0]
    assert (
        sent["engine"] == "remote"
        and sent["version"] == "2.1"
        and sent["seed"] == 99
        and sent["inputs"][0]["role"] == "plate"
    )


def test_http_engine_reports_server_errors_and_unreachable_servers(model_server):
    with pytest.raises(EngineError, match="503: GPU out of memory"):
        HttpEngine(name="remote", url=model_server, version="1", uses=["other"]).run(
            [plate()], {"fail": True}, seed=1
        )
    with pytest.raises(EngineError, match="could not be reached"):
        HttpEngine(
            name="remote", url="http://127.0.0.1:9/generate", version="1", uses=["other"], timeout=2
        ).run([plate()], {}, seed=1)
