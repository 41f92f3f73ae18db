"""An invisible watermark carrying an output's identifier. Pure: no Django.

The algorithm is invisible-watermark's DWT-DCT-SVD (the `dwtDctSvd` method of `imwatermark`, the
library Stable Diffusion XL marks with): the luma (Y) goes through one level of the Haar wavelet,
its approximation band is cut into 4x4 blocks, and the largest singular value of each block's DCT
is quantised (step SCALE) to the payload bit the block carries, each bit on an equal share of the
blocks (see assignment()). Decoding averages every block's vote per bit. The library's default is
the U channel at step 36; U is stored at half resolution and coarsely by JPEG and WebP, and there
the mark lost WebP 80 on half the pictures tried, where Y at step 42 kept 41 dB and survived it
(the library takes `scales=[42, 0, 0]` for the same).

This module mirrors the library's encoder and decoder, vectorised: the library loops over the blocks
in Python (about a second per 1080p frame), this does all of them at once. The DCT is orthonormal,
so a block and its DCT share their singular values, and moving the largest one by d adds
d * u1 v1' to the block itself: no DCT is needed. tests/provenance/test_watermark.py checks that
the library reads what this writes and that this reads what the library writes.

The payload is 48 bits: a 32-bit identifier and its CRC-16 (CCITT). The identifier is what the
resolution API maps to a manifest; 32 bits hold four billion outputs. The CRC turns a noisy read
into a checked one, and with the decoder's per-bit confidence it also corrects: when the hard bits
fail the check, the decoder flips up to three of the CANDIDATES least certain bits and keeps the
first pattern that passes (Chase decoding). 1 + 8 + 28 + 56 = 93 patterns, so a picture that
carries no mark passes by chance with probability 93 / 65536 (about 1 in 700; read at four luma
offsets, 1 in 175), and the identifier it then reads must also be one we allocated (one in 4,300
with a million outputs): about one in 750,000 unmarked pictures resolves falsely. Fewer bits
than 64 means more blocks vote for each bit, which is what survives re-encoding.
"""

from __future__ import annotations

import binascii
import functools
import itertools
from dataclasses import dataclass

import cv2
import numpy as np

ALGORITHM = "com.rightsledger.dwtdctsvd.1"  # the soft-binding alg a manifest declares
LIBRARY = "invisible-watermark 0.2.0, dwtDctSvd"
ID_BITS = 32
CHECK_BITS = 16
PAYLOAD_BITS = ID_BITS + CHECK_BITS
SCALE = 42.0  # the quantisation step
BLOCK = 4
CHANNEL = 0  # Y, as the library's scales [42, 0, 0] choose
MIN_SIDE = 256  # the library refuses pictures under 256 x 256 pixels
# Luma offsets a still is read at: a frame grabbed from a decoded clip comes back through the
# player's YUV to RGB about 1 to 1.7 levels darker than it was marked (rounding at 4:2:0), which
# moves a flat block's singular value by more than the quantisation's margin.
OFFSETS = (0.0, 1.0, 2.0, -1.0)
ASSIGNMENT_SEED = 0x5EED  # fixed: the reader must scatter the bits as the writer did
CANDIDATES = 8  # least certain bits Chase decoding may flip
MAX_FLIPS = 3
MIN_CONFIDENCE = 0.1  # mean |vote - 0.5| below which a picture is taken to carry no mark


class WatermarkError(ValueError):
    """A picture that cannot carry or be read for a mark (too small, not RGB)."""


@dataclass(frozen=True)
class Reading:
    """What a picture's mark read as: the identifier (None when no valid mark was found), how
    sure the read was (mean |vote - 0.5| over the bits, 0 to 0.5) and how many bits were corrected."""

    identifier: int | None
    confidence: float
    corrected: int = 0


def can_mark(width: int, height: int) -> bool:
    """Whether a picture of this size is big enough to carry a mark."""
    return width * height >= MIN_SIDE * MIN_SIDE and min(width, height) >= 2 * BLOCK * 2


def require_identifier(identifier: int) -> None:
    if not isinstance(identifier, int) or isinstance(identifier, bool) or not 0 < identifier < 1 << ID_BITS:
        raise WatermarkError(f"A watermark identifier is a whole number from 1 to {(1 << ID_BITS) - 1}.")


def payload_bits(identifier: int) -> np.ndarray:
    """Return the 48 payload bits of an identifier: its 32 bits, then their CRC-16, big-endian."""
    require_identifier(identifier)
    raw = identifier.to_bytes(4, "big")
    word = raw + binascii.crc_hqx(raw, 0xFFFF).to_bytes(2, "big")
    return np.unpackbits(np.frombuffer(word, dtype=np.uint8)).astype(np.uint8)


def identifier_of(bits: np.ndarray) -> int | None:
    """Return the identifier the 48 bits carry, or None when their CRC does not check."""
    word = np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes()
    raw, check = word[:4], word[4:6]
    if binascii.crc_hqx(raw, 0xFFFF).to_bytes(2, "big") != check:
        return None
    identifier = int.from_bytes(raw, "big")
    return identifier or None


@functools.lru_cache(maxsize=16)
def assignment(blocks: int) -> np.ndarray:
    """The payload bit each block carries, in the blocks' row order: every bit on as many blocks
    as the others (give or take one), scattered by a fixed shuffle. The library's own order (bit
    i on blocks i, i + 48, ...) puts each bit in a few columns wherever the row's block count is
    a multiple of 48 (a 1080p frame's 240), and there a flat or dark stripe of the picture, which
    the encoder smooths, took whole bits with it; scattered, every bit loses a little instead.
    The library writes this pattern when given it as a watermark of one bit per block."""
    order = np.random.default_rng(ASSIGNMENT_SEED).permutation(blocks)
    out = np.empty(blocks, np.int64)
    out[order] = np.arange(blocks) % PAYLOAD_BITS
    out.setflags(write=False)
    return out


def _blocks(band: np.ndarray) -> np.ndarray:
    """The band's whole 4x4 blocks, in row order, as [4, 4, n]: one array per element, so the
    arithmetic below runs over all blocks at once."""
    rows, cols = band.shape[0] // BLOCK, band.shape[1] // BLOCK
    b = band[: rows * BLOCK, : cols * BLOCK].reshape(rows, BLOCK, cols, BLOCK)
    return np.ascontiguousarray(b.transpose(1, 3, 0, 2).reshape(BLOCK, BLOCK, rows * cols))


def _unblocks(blocks: np.ndarray, rows: int, cols: int) -> np.ndarray:
    b = blocks.reshape(BLOCK, BLOCK, rows, cols).transpose(2, 0, 3, 1)
    return b.reshape(rows * BLOCK, cols * BLOCK)


def _top_singular(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return each block's largest singular value and its left and right singular vectors.

    By power iteration on B'B, squared four times (B'B to the 16th): np.linalg.svd over 32,400
    blocks of a 1080p frame takes some 200 ms, this some 5. The blocks are non-negative (U is
    0 to 255), so their top singular vectors are positive and the all-ones start never misses
    them; where the top two singular values are close, the estimate lies between them.
    """
    m = np.einsum("ijn,ikn->jkn", blocks, blocks)
    for _ in range(4):
        m = m / np.maximum(m[0, 0] + m[1, 1] + m[2, 2] + m[3, 3], 1e-12)
        m = np.einsum("ijn,jkn->ikn", m, m)
    v = m.sum(axis=1)
    v /= np.maximum(np.sqrt((v * v).sum(axis=0)), 1e-12)
    u = np.einsum("ijn,jn->in", blocks, v)
    s = np.sqrt((u * u).sum(axis=0))
    return s, u / np.maximum(s, 1e-12), v


def _usable(pixels: np.ndarray, planes: int) -> tuple[int, int]:
    """The marked area's height and width (whole 4x4 blocks of the band); refuse other pixels."""
    shape_ok = pixels.ndim == 3 and pixels.shape[2] == 3 if planes == 3 else pixels.ndim == 2
    if not shape_ok or (planes == 3 and pixels.dtype != np.uint8):
        kind = "8-bit RGB pixels" if planes == 3 else "a luma plane"
        raise WatermarkError(f"A watermark is written to and read from {kind}.")
    h, w = pixels.shape[:2]
    if not can_mark(w, h):
        raise WatermarkError(f"A {w}x{h} picture is too small for a watermark; it needs 256x256 or more.")
    return h // 4 * 4, w // 4 * 4


def luma(rgb: np.ndarray) -> np.ndarray:
    """OpenCV's Y (0.299 R + 0.587 G + 0.114 B), 8-bit, as the library marks it."""
    return cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2YUV)[:, :, CHANNEL]


def _approximation(y: np.ndarray, h: int, w: int) -> np.ndarray:
    """The Haar approximation band (pywt.dwt2(y, "haar")[0]) of the top-left h x w of a luma
    plane: twice its mean over each 2x2 pixels."""
    return 2.0 * cv2.resize(y[:h, :w].astype(np.float32), (w // 2, h // 2), interpolation=cv2.INTER_AREA)


def _change(y: np.ndarray, h: int, w: int, identifier: int) -> np.ndarray:
    """The change to the luma's top-left h x w pixels (float32) that writes the identifier."""
    bits = payload_bits(identifier)
    band = _approximation(y, h, w)
    rows, cols = band.shape[0] // BLOCK, band.shape[1] // BLOCK
    s0, u0, v0 = _top_singular(_blocks(band))
    wanted = bits[assignment(len(s0))]
    target = (np.floor(s0 / SCALE) + 0.25 + 0.5 * wanted) * SCALE
    delta = (target - s0).astype(np.float32) * (u0[:, None, :] * v0[None, :, :])
    change = np.zeros((h // 2, w // 2), np.float32)
    change[: rows * BLOCK, : cols * BLOCK] = _unblocks(delta, rows, cols)
    # The inverse Haar spreads a change d of the approximation as d / 2 on each of its 4 pixels.
    return cv2.resize(change * 0.5, (w, h), interpolation=cv2.INTER_NEAREST)


def embed(rgb: np.ndarray, identifier: int) -> np.ndarray:
    """Return a copy of the 8-bit RGB pixels ([H, W, 3]) carrying the identifier."""
    h, w = _usable(rgb, 3)
    dy = _change(luma(rgb[:h, :w]), h, w, identifier)
    # OpenCV's YUV to RGB adds a change of Y to R, G and B alike, and leaves U and V as they were;
    # cv2.add rounds and saturates to 8 bits in one pass, into a new array.
    marked = cv2.add(np.ascontiguousarray(rgb[:h, :w]), cv2.merge([dy] * 3), dtype=cv2.CV_8U)
    if (h, w) == rgb.shape[:2]:
        return marked  # the whole picture was marked (its sides are multiples of 4): no copy to fill
    out = rgb.copy()
    out[:h, :w] = marked
    return out


def full_range(y: np.ndarray) -> np.ndarray:
    """A video's limited-range luma (16 to 235, as H.264 stores it) as the full-range luma of the
    RGB frame it was encoded from: a clip's frames are marked in RGB like stills, and read back
    from the decoded luma this way, never through the decoder's RGB (whose rounding and clipping
    of out-of-gamut colours move a block's singular value by as much as the quantisation's margin)."""
    return np.clip(np.rint((y.astype(np.float32) - 16.0) * (255.0 / 219.0)), 0, 255).astype(np.uint8)


def votes_luma(y: np.ndarray) -> np.ndarray:
    """Return each payload bit's vote (the share of its blocks reading 1, 0 to 1) in a luma plane."""
    h, w = _usable(y, 1)
    s0 = _top_singular(_blocks(_approximation(y, h, w)))[0]
    ones = (np.mod(s0, SCALE) > SCALE * 0.5).astype(np.float64)
    which = assignment(len(s0))
    return np.bincount(which, weights=ones, minlength=PAYLOAD_BITS) / np.bincount(
        which, minlength=PAYLOAD_BITS
    )


def votes(rgb: np.ndarray) -> list[np.ndarray]:
    """Return each payload bit's vote in 8-bit RGB pixels, once per luma offset in OFFSETS."""
    _usable(rgb, 3)
    y = luma(rgb).astype(np.float32)
    return [votes_luma(np.clip(y + offset, 0, 255)) for offset in OFFSETS]


def decode_votes(v: np.ndarray) -> Reading:
    """Return the identifier the votes carry, correcting up to MAX_FLIPS uncertain bits."""
    confidence = float(np.mean(np.abs(v - 0.5)))
    if confidence < MIN_CONFIDENCE:
        return Reading(None, confidence)
    bits = (v > 0.5).astype(np.uint8)
    doubt = np.argsort(np.abs(v - 0.5))[:CANDIDATES]
    for flips in range(MAX_FLIPS + 1):
        for chosen in itertools.combinations(doubt, flips):
            trial = bits.copy()
            trial[list(chosen)] ^= 1
            identifier = identifier_of(trial)
            if identifier is not None:
                return Reading(identifier, confidence, flips)
    return Reading(None, confidence)


def read(rgb: np.ndarray) -> Reading:
    """Read the mark in 8-bit RGB pixels, a still's or a clip's frame; Reading.identifier is None
    where none is found (a picture too small to carry one reads as none)."""
    try:
        readings = sorted((decode_votes(v) for v in votes(rgb)), key=lambda r: -r.confidence)
    except WatermarkError:
        return Reading(None, 0.0)
    return next((r for r in readings if r.identifier is not None), readings[0])


def read_luma(y: np.ndarray) -> Reading:
    """Read the mark in a full-range luma plane (a video frame's: see full_range)."""
    try:
        return decode_votes(votes_luma(y))
    except WatermarkError:
        return Reading(None, 0.0)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio, in dB, of two 8-bit pictures of one size."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)
