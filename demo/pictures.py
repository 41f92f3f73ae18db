"""Pictures drawn from a seed: a sky gradient, ground, shapes and a slate label; and clips that pan
across them. Used by the demo seed and the tests, which need real images with varied content
rather than noise. Pure."""

import io
import random

from PIL import Image, ImageDraw


def picture(seed: int = 0, size=(320, 180)) -> Image.Image:
    """Return a distinct RGB picture for a seed: a sky gradient, ground, and a few shapes."""
    rng = random.Random(seed)
    w, h = size
    img = Image.new("RGB", size)
    draw = ImageDraw.Draw(img)
    top = (rng.randrange(40, 200), rng.randrange(40, 200), rng.randrange(120, 255))
    bottom = (rng.randrange(0, 120), rng.randrange(0, 120), rng.randrange(0, 120))
    horizon = int(h * rng.uniform(0.45, 0.7))
    for y in range(h):
        t = y / max(1, h - 1)
        draw.line([(0, y), (w, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom)))
    draw.rectangle(
        [0, horizon, w, h], fill=(rng.randrange(30, 120), rng.randrange(60, 140), rng.randrange(20, 90))
    )
    for _ in range(rng.randrange(3, 7)):
        x0, y0 = rng.randrange(0, w - 20), rng.randrange(0, h - 20)
        x1, y1 = x0 + rng.randrange(15, w // 2), y0 + rng.randrange(15, h // 2)
        color = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        if rng.random() < 0.5:
            draw.ellipse([x0, y0, x1, y1], fill=color)
        else:
            draw.rectangle([x0, y0, x1, y1], fill=color)
    draw.text((8, 8), f"TAKE {seed}", fill=(255, 255, 255))
    return img


def clip(
    seed: int = 0,
    size=(320, 180),
    frames: int = 24,
    fps: int = 12,
    pan: int = 4,
    codec: str = "libx264",
    **options,
) -> bytes:
    """An MP4 that pans slowly across a wide drawn picture (pan pixels a frame), made with PyAV."""
    import av  # defers FFmpeg (PyAV) until a clip is drawn
    import numpy as np  # and numpy: the pictures alone need only PIL

    width, height = size
    wide = np.asarray(picture(seed, (width + pan * frames, height)))
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = (
            {"preset": "veryfast", **{k: str(v) for k, v in options.items()}}
            if codec == "libx264"
            else {k: str(v) for k, v in options.items()}
        )
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(
                np.ascontiguousarray(wide[:, i * pan : i * pan + width]), format="rgb24"
            )
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


# Where dlib's HOG detector finds the astronaut's face in scikit-image's portrait (left, top, right,
# bottom): the test of the faces check (tests/generation/test_faces_likeness.py) finds it there.
ASTRONAUT_FACE = (179, 83, 267, 171)


def portrait() -> Image.Image:
    """Return a real portrait: scikit-image's astronaut (Eileen Collins, NASA; public domain)."""
    from skimage import data  # deferred: scikit-image is read only for its sample photograph

    return Image.fromarray(data.astronaut())


def onlooker(face_px: int = 36) -> Image.Image:
    """Return a crowd element cut from the portrait: head and shoulders, RGBA, scaled so that the
    face is face_px across (too small for a face detector, until a crowd fill enlarges it)."""
    left, top, right, bottom = ASTRONAUT_FACE
    width = right - left
    pad = int(width * 0.6)
    crop = portrait().crop((left - pad, top - pad, right + pad, bottom + 2 * pad))
    k = face_px / width
    crop = crop.resize((int(crop.width * k), int(crop.height * k)), Image.Resampling.LANCZOS)
    return crop.convert("RGBA")
