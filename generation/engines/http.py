"""An engine on an external model server, reached over HTTP with a JSON contract.

The contract (version 1), one POST to the server's URL:

    request   {"contract": 1, "engine": "<name>", "version": "<version>", "seed": <int>,
               "parameters": {...}, "inputs": [{"role": "plate", "media_type": "image/png",
               "data": "<base64>"}, ...]}
    response  200 {"media_type": "image/png" | "image/jpeg" | "video/mp4", "data": "<base64>",
                   "metadata": {...}}
              4xx/5xx {"error": "<message>"}

Clips: an input may be a clip ("media_type": "video/mp4" or "video/quicktime"), with "frames":
[first, last] when the request names a frame range (counted from 0, both included); the server
answers a clip with "media_type": "video/mp4", which is written to a file and signed as one.

The server must be deterministic for a seed. Rightsledger sends only inputs the gate approved,
and signs and records whatever comes back.
"""

import base64
import binascii
import json
import os
import tempfile
import urllib.error
import urllib.request

from rightsledger.video import VideoRefused, open_video

from . import clip
from .base import Engine, EngineError, EngineResult

CONTRACT_VERSION = 1
OUTPUT_TYPES = {"image/png", "image/jpeg", "video/mp4"}


class HttpEngine(Engine):
    def __init__(
        self,
        *,
        name: str,
        url: str,
        version: str,
        uses,
        trains_on_inputs: bool = False,
        timeout: float = 300.0,
    ):
        if not url.startswith(("http://", "https://")):
            raise ValueError(
                f"The {name} engine's URL must be http:// or https://, not {url!r} (GENERATION_HTTP_ENGINES)."
            )
        self.name = name
        self.url = url
        self.version = version
        self.uses = tuple(uses)
        self.trains_on_inputs = trains_on_inputs
        self.timeout = timeout
        self.params = {}
        self.needs_roles = {}

    def param_problems(self, params):
        # The server validates its own parameters; they must at least be JSON.
        try:
            json.dumps(params)
        except (TypeError, ValueError):
            return [(None, "Parameters must be plain JSON for an HTTP engine.")]
        return []

    def resolved(self, params):
        return dict(params)

    def run(self, inputs, params, seed, workdir=None, watermark=None, label=None):
        # A still is labelled and marked after the run, as every engine's is; a clip, rendered
        # elsewhere, is labelled and marked here, frame by frame, once it has been received.
        body = json.dumps(
            {
                "contract": CONTRACT_VERSION,
                "engine": self.name,
                "version": self.version,
                "seed": int(seed),
                "parameters": params,
                "inputs": [_input(i) for i in inputs],
            }
        ).encode()
        req = urllib.request.Request(
            self.url, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as response:  # nosec B310: http(s) only, checked in __init__
                payload = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            try:
                message = json.loads(exc.read()).get("error", "")
            except (ValueError, AttributeError):
                message = ""
            raise EngineError(
                f"The {self.name} server answered {exc.code}{': ' + message if message else ''}."
            ) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise EngineError(f"The {self.name} server at {self.url} could not be reached: {exc}.") from exc
        except ValueError as exc:
            raise EngineError(f"The {self.name} server did not answer JSON.") from exc
        media_type = payload.get("media_type")
        if media_type not in OUTPUT_TYPES:
            raise EngineError(
                f"The {self.name} server returned {media_type!r}; "
                f"expected one of {', '.join(sorted(OUTPUT_TYPES))}."
            )
        try:
            data = base64.b64decode(payload["data"], validate=True)
        except (KeyError, binascii.Error, TypeError) as exc:
            raise EngineError(f"The {self.name} server's answer has no valid base64 data.") from exc
        if media_type.startswith("video/"):
            result = _clip_result(data, media_type, dict(payload.get("metadata") or {}), workdir, self.name)
            return _clip_finished(result, workdir, watermark, label)
        # A still arrives encoded: it is decoded only where the label or the watermark changes its
        # pixels, and then encoded once more, when it is signed.
        return EngineResult(data, media_type, dict(payload.get("metadata") or {}))


def _input(i) -> dict:
    data = i.data
    if i.open is not None:
        with i.open() as fh:
            data = fh.read()
    return {
        "role": i.role,
        "media_type": i.media_type,
        "data": base64.b64encode(data).decode(),
        **({"frames": list(i.frames)} if i.frames else {}),
    }


def _clip_result(
    data: bytes, media_type: str, metadata: dict, workdir: str | None, name: str
) -> EngineResult:
    """Write a returned clip to a file; refuse one that does not decode."""
    import av  # defers FFmpeg (PyAV) until a server returns a clip

    fd, path = tempfile.mkstemp(suffix=".mp4", dir=workdir)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    try:
        with open_video(path) as clip:
            first = next(clip.frames()).to_image()
    except VideoRefused as exc:
        os.unlink(path)
        why = f"The {name} server returned a clip this service does not decode: {exc.message}"
        raise EngineError(why) from None
    except (av.FFmpegError, StopIteration, OSError, ValueError) as exc:
        os.unlink(path)
        raise EngineError(
            f"The {name} server returned a clip that does not decode ({exc or 'no frame'})."
        ) from exc
    return EngineResult(b"", media_type, metadata, first, path)


def _clip_finished(result: EngineResult, workdir: str | None, watermark, label) -> EngineResult:
    """Label and mark every frame of a clip the server returned (engines.clip.finish); the file is
    replaced, and the metadata says which marks it carries."""
    try:
        finished = clip.finish(result.path, workdir, watermark, label)
    except BaseException:
        os.unlink(result.path)
        raise
    if finished is None:
        return result
    first, meta = finished
    return result.with_changes(image=first, metadata={**result.metadata, **meta})
