"""The continuity chart in a page: `{% load continuity %}`, then
`{{ performer|continuity_chart:report.thresholds }}` draws provenance.continuity_chart's SVG inline,
so its title, description and labels are read with the page."""

from django import template
from django.utils.safestring import mark_safe

from provenance.continuity_chart import chart_svg

register = template.Library()


@register.filter
def continuity_chart(performer, thresholds=None):
    """The chart of one performer's continuity (a PerformerContinuity), as inline SVG."""
    svg = chart_svg(performer, thresholds=thresholds)
    # chart_svg escapes every text it draws (names, output titles, reasons); tested in
    # tests/provenance/test_continuity.py with a name that is markup.
    return mark_safe(svg)  # nosec B308 B703: every text in the drawing is escaped by chart_svg
