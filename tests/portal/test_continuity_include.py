"""The continuity include (templates/audit/_continuity.html): a report renders as words, the chart
inline, and the flagged frames listed with their reasons and thumbnails. No database."""

from django.template.loader import render_to_string

from provenance import continuity


def appearance(output: int, lab_l: float, **kw) -> continuity.Appearance:
    values = dict(performer=3, output=output, frame=24, time=1.0, distance=0.1, lab_l=lab_l, lab_a=12.0)
    values.update(lab_b=15.0, output_label=f"Crowd fill v{output}")
    values.update(kw)
    return continuity.Appearance(**values)


def test_the_include_lists_the_flagged_frame_in_words_beside_the_chart():
    faces = [appearance(i, 70 + (i % 2)) for i in range(1, 6)]
    faces.append(appearance(6, 45, thumbnail_url="/thumbs/6.jpg"))
    report = continuity.report(faces, names={3: "Ada <Lovelace>"})
    html = render_to_string("audit/_continuity.html", {"report": report})
    assert "Ada &lt;Lovelace&gt;" in html and "Ada <Lovelace>" not in html
    assert "<svg" in html and 'class="outlier"' in html
    assert "Found in 6 frames of 6 outputs; 1 flagged" in html
    assert "Crowd fill v6, 1.0 s in" in html
    assert "L* darker than this performer&#x27;s median" in html
    assert 'src="/thumbs/6.jpg"' in html and "Flagged" in html


def test_the_include_says_when_no_face_was_found_and_when_too_few_to_compare():
    html = render_to_string("audit/_continuity.html", {"report": continuity.report([])})
    assert "No registered performer's face was found" in html and "<svg" not in html
    html = render_to_string("audit/_continuity.html", {"report": continuity.report([appearance(1, 60)])})
    assert "Exposure and colour are compared from three faces on" in html
    assert "No picture yet" not in html and "Consistent" in html


def test_the_include_says_its_thresholds_in_words_a_reader_can_weigh():
    """The thresholds as a clearance lawyer reads them: what L* measures, what the distance means."""
    report = continuity.report([appearance(i, 70) for i in range(1, 4)])
    html = render_to_string("audit/_continuity.html", {"report": report})
    assert "by more than 9 points of lightness (L*, on a scale from 0 for black to 100 for white)" in html
    assert "looks less like the reference than a distance of 0.40" in html
    assert "(past 0.60, it is taken for someone else)" in html
    assert "strays more than" not in html and "the match limit is" not in html
