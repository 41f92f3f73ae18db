"""Journey 5, as a person does it in headless Chromium: someone finds a picture online (a signed
output, re-saved as a JPEG, so that its Content Credentials are gone), opens the verify page from
the start page, chooses the file, and reads what the page says of it, at a desktop's width and a
phone's. The fixtures are the portal journeys' own: a live server and a real Celery worker."""

import io
from pathlib import Path

from django.conf import settings as django_settings
from PIL import Image

from rightsledger import services
from rightsledger.models import Thumbnail

from .. import images
from ..workers import wait_for
from .test_browser import ARTIFACTS, Visit, browser, portal, signed_by_the_worker  # noqa: F401  (the journeys' fixtures)

WIDTHS = {"desktop": 1366, "phone": 390}


def shown_width(img) -> int:
    """Return the natural width of a picture once it has loaded (scrolled to: lists load lazily)."""
    img.scroll_into_view_if_needed()
    return img.evaluate("img => img.decode().then(() => img.naturalWidth)")


def test_anyone_checks_a_resaved_copy_of_an_output_on_the_verify_page(browser, portal, tmp_path):  # noqa: F811
    w = portal.world
    req = signed_by_the_worker(portal, seed=5)
    output = req.output.asset
    signed = output.signed.created_at
    # The copy found online: the signed PNG opened and saved again as a JPEG (no credentials left).
    original = (Path(django_settings.MEDIA_ROOT) / output.file.name).read_bytes()
    copy = tmp_path / "harbour-at-dusk.jpg"
    copy.write_bytes(images.encode(Image.open(io.BytesIO(original)).convert("RGB"), "JPEG", quality=82))

    for label, width in WIDTHS.items():
        tab = Visit(browser, portal.url)
        page = tab.page
        page.set_viewport_size({"width": width, "height": 900})
        tab.go("/")
        menu = page.locator("nav details.menu > summary")
        if menu.is_visible():  # a phone: the main menu opens from its button
            menu.click()
        page.get_by_role("link", name="Verify a file").click()
        page.wait_for_load_state("networkidle")
        assert page.get_by_role("heading", name="Verify a file").is_visible()
        with page.expect_file_chooser() as chooser:
            page.get_by_text("Drop a file here, or choose it").click()
        chooser.value.set_files(str(copy))
        page.get_by_role("button", name="Verify").click()
        page.wait_for_load_state("networkidle")

        result = page.locator("main section[aria-live]")
        text = result.inner_text()
        assert "harbour-at-dusk.jpg" in text
        assert "matches an AI-generated output registered here" in text
        assert f"signed on {signed:%-d %B %Y, %H:%M} UTC" in text
        assert "training is reserved" in text and "May it be used for AI training? No" in text
        # It names nothing of where the output was made, and no technical term, until asked.
        for named in (w.prod_a.title, w.studio.name, portal.shot.code, f"A-{output.pk}", "pHash", "distance"):
            assert named not in text
        picture = result.get_by_role("img", name="The picture harbour-at-dusk.jpg")
        assert picture.is_visible() and shown_width(picture) == 320
        # The page fits the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        result.get_by_text("Technical details").click()
        assert "pHash distance" in result.inner_text()
        tab.check(f"public-verify-copy-{label}")
        tab.close()
    assert (ARTIFACTS / "screenshots" / "public-verify-copy-phone.png").exists()


def test_thumbnails_and_credentials_in_words_across_the_pages(browser, portal):  # noqa: F811
    """The pictures where a person looks for them (the assets, an asset, the shots, the input
    picker, a request), and a signed output's credentials in words, at both widths."""
    w = portal.world
    req = signed_by_the_worker(portal, seed=6)
    output = req.output.asset
    wait_for(lambda: Thumbnail.objects.filter(asset=output).exists(), 30, "the output's thumbnail")
    services.thumbnails_backfill()  # the plate and the rest, registered before any worker ran
    for label, width in WIDTHS.items():
        tab = Visit(browser, portal.url, w.clearance)
        page = tab.page
        page.set_viewport_size({"width": width, "height": 900})
        tab.go(f"/productions/{w.prod_a.pk}/assets/")
        pictures = page.locator("main table img.thumb")
        assert pictures.count() >= 3 and shown_width(pictures.first) > 0
        tab.check(f"clearance-assets-{label}")
        page.get_by_role("link", name=f"A-{output.pk} ").first.click()
        page.wait_for_load_state("networkidle")
        shown = page.locator("#asset-picture img")
        assert shown_width(shown) == 320
        tab.check(f"clearance-asset-{label}")
        tab.go(f"/requests/{req.pk}/")
        text = page.inner_text("main")
        assert "Signed by this server's development key: not trusted anywhere else" in text
        assert "Trusted" not in text and "It may not be used to train generative AI." in text
        assert shown_width(page.locator("main table img.thumb").first) > 0
        tab.check(f"producer-request-{label}")
        tab.close()
        tab = Visit(browser, portal.url, w.producer_a)
        page = tab.page
        page.set_viewport_size({"width": width, "height": 900})
        tab.go(f"/productions/{w.prod_a.pk}/shots/")
        assert page.locator("main img.thumb").count() >= 1
        tab.check(f"producer-shots-thumbnails-{label}")
        page.get_by_role("button", name="Request a generation").click()
        page.wait_for_load_state("networkidle")
        assert page.locator("fieldset img.thumb").count() >= 2
        tab.check(f"producer-request-form-thumbnails-{label}")
        tab.close()
