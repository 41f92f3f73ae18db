"""Real images made by the tests: gradients, shapes and text, never noise."""

import io

from PIL import Image

from demo.pictures import picture  # noqa: F401  (re-exported for the tests)


def encode(img: Image.Image, fmt: str = "PNG", **kwargs) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kwargs)
    return buf.getvalue()


def png(seed: int = 0, size=(320, 180)) -> bytes:
    return encode(picture(seed, size), "PNG")


def jpeg(seed: int = 0, size=(320, 180), quality: int = 90) -> bytes:
    return encode(picture(seed, size), "JPEG", quality=quality)


def clip(seed: int = 0, size=(320, 180), frames: int = 24, fps: int = 12, pan: int = 4, codec: str = "libx264", **options) -> bytes:
    """An MP4 that pans slowly across a wide drawn picture (pan pixels a frame), made with PyAV."""
    import av
    import numpy as np

    width, height = size
    wide = np.asarray(picture(seed, (width + pan * frames, height)))
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "veryfast", **{k: str(v) for k, v in options.items()}} if codec == "libx264" else {k: str(v) for k, v in options.items()}
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(wide[:, i * pan : i * pan + width]), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()
