"""The robustness bench's goals, checked on a small sample of engine outputs (6 stills and a clip's
6 frames at 384x256): identifiers recovered after JPEG 75, WebP 80, resizing to 50% and back and
H.264 at CRF 28, and the marks' PSNR. bench/watermark.py measures the same over 222 outputs."""

import importlib.util

from django.conf import settings

spec = importlib.util.spec_from_file_location("watermark_bench", settings.BASE_DIR / "bench" / "watermark.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def test_the_bench_goals_hold_on_a_small_sample():
    results = bench.run(6, 1, 6, (384, 256), only=tuple(bench.GOALS))
    attacks = results["attacks"]
    assert results["outputs"]["stills"] == 6 and results["outputs"]["clip_frames"] == 6
    assert set(attacks) == {"none", *bench.GOALS}
    for attack, goal in bench.GOALS.items():
        assert attacks[attack]["recovery"] >= goal, (attack, attacks[attack])
    assert attacks["none"]["recovery"] == 1.0
    assert min(results["psnr_db"]["stills_min"], results["psnr_db"]["clip_frames_min"]) >= bench.PSNR_GOAL_DB
    assert results["unmarked_outputs_read_as_marked"] == 0
