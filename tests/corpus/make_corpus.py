"""Make the hostile corpus: files and JSON bodies an attacker or a broken tool sends. Run it from
the repository root (`python tests/corpus/make_corpus.py`); it rewrites tests/corpus/files/ and
tests/corpus/index.json, which test_corpus.py replays. Deterministic: the same bytes every run."""

import io
import json
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"


def picture(size=(320, 180)) -> Image.Image:
    x = np.linspace(0, 255, size[0], dtype=np.uint8)
    arr = np.stack(
        [np.tile(x, (size[1], 1)), np.tile(x[::-1], (size[1], 1)), np.full((size[1], size[0]), 90, np.uint8)],
        axis=2,
    )
    return Image.fromarray(arr, "RGB")


def encoded(fmt: str, **kwargs) -> bytes:
    buf = io.BytesIO()
    picture().save(buf, fmt, **kwargs)
    return buf.getvalue()


def chunk(kind: bytes, body: bytes) -> bytes:
    return (
        struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    )


def png_bomb(width: int, height: int) -> bytes:
    """A PNG that declares width x height and carries a little of it: the decoder must not try."""
    raw = (
        zlib.compress(b"\x00" + b"\x00" * (width // 8 + 1), 9)
        if width < 10**6
        else zlib.compress(b"\x00" * 1024)
    )
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
        + chunk(b"IDAT", raw)
        + chunk(b"IEND", b"")
    )


def clip() -> bytes:
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=12)
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        stream.options = {"preset": "veryfast", "threads": "1"}
        for i in range(12):
            arr = np.asarray(picture()).copy()
            arr[:, : i * 20] = 200
            for packet in stream.encode(av.VideoFrame.from_ndarray(arr, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


def items() -> list[dict]:
    jpeg, png, mp4 = encoded("JPEG", quality=90), encoded("PNG"), clip()
    html = b"<html><script>alert(1)</script></html>"
    zip_bytes = b"PK\x03\x04" + b"\x00" * 26 + b"payload.txt" + b"hello"
    return [
        # Truncated and corrupt
        {"name": "truncated.jpg", "data": jpeg[: len(jpeg) // 2], "why": "a JPEG cut in half"},
        {"name": "truncated.png", "data": png[: len(png) // 2], "why": "a PNG cut in half"},
        {"name": "truncated.mp4", "data": mp4[: len(mp4) * 6 // 10], "why": "an MP4 cut at 60%"},
        {
            "name": "corrupt.jpg",
            "data": jpeg[:200] + bytes(b ^ 0xA5 for b in jpeg[200:]),
            "why": "a JPEG scrambled after its header",
        },
        {
            "name": "corrupt.png",
            "data": png[:33] + bytes(b ^ 0xA5 for b in png[33:]),
            "why": "a PNG scrambled after its header",
        },
        {
            "name": "corrupt.mp4",
            "data": mp4[:48] + bytes(b ^ 0x5A for b in mp4[48:]),
            "why": "an MP4 scrambled after its ftyp box",
        },
        {"name": "header_only.mp4", "data": mp4[:64], "why": "an MP4 of 64 bytes"},
        # Bombs and absurd dimensions
        {"name": "bomb.png", "data": png_bomb(60000, 60000), "why": "a PNG declaring 3.6 billion pixels"},
        {"name": "absurd.png", "data": png_bomb(2**31 - 1, 1), "why": "a PNG 2^31 - 1 pixels wide"},
        {"name": "zero_height.png", "data": png_bomb(100, 0), "why": "a PNG with no rows"},
        # Empty
        {"name": "empty.png", "data": b"", "why": "zero bytes"},
        # Polyglots and lying extensions
        {"name": "zip_in.png", "data": png + zip_bytes, "why": "a PNG with a ZIP after it"},
        {"name": "page_in.jpg", "data": jpeg + html, "why": "a JPEG with a web page after it"},
        {
            "name": "page.mp4",
            "data": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + html * 20,
            "why": "an MP4 header in front of a web page",
        },
        {"name": "page.png", "data": html, "why": "a web page named .png"},
        {"name": "clip.png", "data": mp4, "why": "a clip named .png"},
        {"name": "still.mp4", "data": png, "why": "a still named .mp4"},
        {"name": "script.jpg", "data": b"#!/bin/sh\nrm -rf /\n", "why": "a shell script named .jpg"},
        # Names that try to leave the folder or hide control characters (valid bytes: the name is the attack)
        {
            "name": "../../../etc/passwd",
            "data": b"root:x:0:0:root:/root:/bin/sh\n",
            "why": "path traversal in the name, non-image content",
        },
        {"name": "..\\..\\evil.png", "data": html, "why": "Windows traversal in the name, a page inside"},
        {
            "name": "bell\x07\x1b[31m.png",
            "data": b"\x00" * 64,
            "why": "control characters in the name, nothing decodable inside",
        },
    ]


JSON_BODIES = [
    {"name": "deep_lists", "body": "[" * 10000 + "]" * 10000, "why": "ten thousand nested lists"},
    {
        "name": "deep_objects",
        "body": '{"a":' * 5000 + "1" + "}" * 5000,
        "why": "five thousand nested objects",
    },
    {
        "name": "huge_string",
        "body": json.dumps({"restrictions": "x" * 200_000}),
        "why": "a 200 KB text field",
    },
    {"name": "not_json", "body": "{'production': 1,}", "why": "Python, not JSON"},
    {
        "name": "wrong_types",
        "body": json.dumps(
            {"production": "one", "grantor": [1], "assets": "all", "uses": 7, "term_start": 20260101}
        ),
        "why": "every field the wrong type",
    },
    {
        "name": "huge_ints",
        "body": json.dumps({"production": 99999999999999999999, "grantor": -1, "assets": [2**70]}),
        "why": "integers past 64 bits",
    },
    {
        "name": "nan",
        "body": '{"production": NaN, "seed": Infinity}',
        "why": "NaN and Infinity, which JSON does not have",
    },
    {
        "name": "many_items",
        "body": json.dumps({"territories": ["US"] * 20000}),
        "why": "a list of 20,000 items",
    },
    {
        "name": "null_bytes",
        "body": json.dumps({"legal_name": "Ana\u0000Ruiz", "code": "SH\u000010"}),
        "why": "NUL characters in text",
    },
]


def main():
    FILES.mkdir(exist_ok=True)
    for old in FILES.iterdir():
        old.unlink()
    index = {"files": [], "json": []}
    for n, item in enumerate(items(), start=1):
        if item.get("skip"):
            continue
        stored = f"{n:02d}.bin"
        (FILES / stored).write_bytes(item["data"])
        index["files"].append({"file": stored, "name": item["name"], "why": item["why"]})
    for item in JSON_BODIES:
        stored = f"{item['name']}.json.txt"
        (FILES / stored).write_text(item["body"])
        index["json"].append({"file": stored, "why": item["why"]})
    (HERE / "index.json").write_text(json.dumps(index, indent=2) + "\n")
    print(f"{len(index['files'])} files and {len(index['json'])} JSON bodies in {FILES}")


if __name__ == "__main__":
    main()
