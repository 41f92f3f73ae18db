"""Every portal page, as every role, on a phone (390 px): the check of test_browser_layout.py."""

import pytest

from .test_browser import browser, pytestmark  # noqa: F401  (one browser, chromium or a skip)
from .test_browser_layout import check_every_page, studio  # noqa: F401  (a fixture)


@pytest.mark.heavy(65)
def test_every_page_fits_a_phone_and_passes_axe_for_every_role(browser, studio):  # noqa: F811
    check_every_page(browser, studio, 390)
