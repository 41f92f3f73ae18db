"""The watermark module: a round trip, what survives a re-save, and that it is invisible-watermark's
DWT-DCT-SVD (the library reads what we write, we read what the library writes)."""

import io

import cv2
import numpy as np
import pytest
from imwatermark import WatermarkDecoder, WatermarkEncoder
from PIL import Image

from provenance import watermark as wm
from tests.images import picture

MARK = 0x5EED_F00D
LIBRARY_SCALES = [wm.SCALE, 0, 0]  # the library's channels Y, U, V


def rgb(seed=0, size=(640, 360)) -> np.ndarray:
    return np.asarray(picture(seed, size).convert("RGB"))


def resaved(pixels: np.ndarray, fmt: str, **kwargs) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format=fmt, **kwargs)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def test_a_marked_still_reads_back_its_identifier_and_looks_the_same():
    original = rgb(1)
    marked = wm.embed(original, MARK)
    assert wm.read(marked).identifier == MARK
    assert wm.psnr(original, marked) >= 40
    assert original.shape == marked.shape


def test_an_unmarked_still_reads_as_carrying_nothing():
    for seed in range(4):
        assert wm.read(rgb(seed)).identifier is None


@pytest.mark.parametrize("fmt,kwargs", [("JPEG", {"quality": 75}), ("WEBP", {"quality": 80})])
def test_the_mark_survives_a_lossy_resave(fmt, kwargs):
    marked = wm.embed(rgb(2, (1280, 720)), MARK)
    assert wm.read(resaved(marked, fmt, **kwargs)).identifier == MARK


def test_three_uncertain_wrong_bits_are_corrected_where_the_check_alone_refuses_them():
    bits = wm.payload_bits(MARK)
    votes = np.where(bits == 1, 0.9, 0.1)
    wrong = [3, 17, 40]
    votes[wrong] = np.where(bits[wrong] == 1, 0.4, 0.6)  # wrong, and the least sure
    reading = wm.decode_votes(votes)
    assert (reading.identifier, reading.corrected) == (MARK, 3)
    assert wm.identifier_of(bits ^ np.isin(np.arange(48), wrong).astype(np.uint8)) is None


def test_the_library_reads_our_mark_and_we_read_the_librarys():
    """Given one bit per block (the payload scattered as assignment() scatters it), the library's
    DWT-DCT-SVD in the luma writes what embed writes and reads what embed wrote."""
    original = rgb(3, (512, 512))
    blocks = (512 // 8) * (512 // 8)
    pattern = wm.payload_bits(MARK)[wm.assignment(blocks)]
    decoder = WatermarkDecoder("bits", blocks)
    ours = cv2.cvtColor(wm.embed(original, MARK), cv2.COLOR_RGB2BGR)
    per_block = np.array(decoder.decode(ours, "dwtDctSvd", scales=LIBRARY_SCALES), dtype=float)
    votes = np.bincount(wm.assignment(blocks), weights=per_block) / np.bincount(wm.assignment(blocks))
    assert wm.decode_votes(votes).identifier == MARK
    encoder = WatermarkEncoder()
    encoder.set_by_bits(list(pattern))
    theirs = encoder.encode(cv2.cvtColor(original, cv2.COLOR_RGB2BGR), "dwtDctSvd", scales=LIBRARY_SCALES)
    assert wm.read(cv2.cvtColor(theirs, cv2.COLOR_BGR2RGB)).identifier == MARK


def test_a_picture_too_small_is_refused_with_its_size_and_reads_as_unmarked():
    small = rgb(0, (320, 180))
    with pytest.raises(wm.WatermarkError, match="320x180 picture is too small"):
        wm.embed(small, MARK)
    assert wm.read(small).identifier is None
    assert not wm.can_mark(320, 180)


@pytest.mark.parametrize("bad", [0, -1, 1 << 32, True, "7"])
def test_an_identifier_outside_32_bits_is_refused(bad):
    with pytest.raises(wm.WatermarkError, match="whole number from 1"):
        wm.payload_bits(bad)


@pytest.mark.parametrize("size", [(640, 360), (643, 362)])
def test_embed_leaves_the_given_pixels_alone_and_the_edges_past_the_last_whole_4_pixels_unmarked(size):
    original = rgb(5, size)
    kept = original.copy()
    marked = wm.embed(original, MARK)
    assert np.array_equal(original, kept) and marked is not original
    assert marked.shape == original.shape and marked.dtype == np.uint8
    w, h = size
    assert np.array_equal(marked[h // 4 * 4 :], original[h // 4 * 4 :])
    assert np.array_equal(marked[:, w // 4 * 4 :], original[:, w // 4 * 4 :])
    assert wm.read(marked).identifier == MARK
