import datetime
import io

import pytest
from PIL import Image, ImageDraw

from .. import factories as f


def figure_png(colour=(40, 60, 160)) -> bytes:
    """A cut-out figure with an alpha channel, as a crowd element is delivered."""
    fig = Image.new("RGBA", (60, 160), (0, 0, 0, 0))
    d = ImageDraw.Draw(fig)
    d.ellipse([18, 0, 42, 26], fill=(220, 180, 150, 255))
    d.rectangle([14, 26, 46, 110], fill=(*colour, 255))
    d.rectangle([16, 110, 28, 160], fill=(30, 30, 30, 255))
    d.rectangle([32, 110, 44, 160], fill=(30, 30, 30, 255))
    buf = io.BytesIO()
    fig.save(buf, "PNG")
    return buf.getvalue()


class Gate:
    """World plus what a generation needs: a shot, a plate under a grant, a performer."""

    def __init__(self, world):
        self.world = world
        self.shot = f.make_shot(world.prod_a, "EP102_SH0040")
        self.plate = f.make_asset(world.prod_a, seed=31, owner=world.party)
        self.element = f.make_asset(world.prod_a, seed=32, kind="crowd_element", data=figure_png())
        self.grant = f.make_grant(
            world.prod_a,
            world.party,
            [self.plate, self.element],
            uses=["genai_input", "edit"],
            media=["theatrical", "svod"],
            territories=["WORLD"],
            territory_exclusions=["CN"],
            term_start=datetime.date(2026, 1, 1),
            term_end=datetime.date(2030, 12, 31),
        )
        self.talent = f.make_talent(
            "María Álvarez",
            guild=world.guild,
            member_id="SAG-1",
            professional_name="Mara Vega",
            aliases=["M. Vega"],
        )
        self.likeness = f.make_asset(world.prod_a, seed=33, kind="likeness_reference", talent=self.talent)

    def body(self, **overrides):
        data = {
            "shot": self.shot.pk,
            "engine": "atmosphere",
            "prompt": "light rain over the harbour at dusk",
            "parameters": {"fog_density": 0.4},
            "seed": 1234,
            "intended_use": "atmosphere",
            "media": ["theatrical"],
            "territories": ["US", "FR"],
            "release_start": "2026-06-01",
            "release_end": "2027-05-31",
            "inputs": [{"asset": self.plate.pk, "role": "plate"}],
        }
        data.update(overrides)
        return data

    def submit(self, shot=None, **overrides):
        """Submit, as the producer of production A, an atmosphere request over the plate for shot
        (the gate's own by default), theatrical in the United States in the second half of 2026."""
        from generation import services as gen

        fields = {
            "engine": "atmosphere",
            "seed": 1,
            "intended_use": "atmosphere",
            "media": ["theatrical"],
            "territories": ["US"],
            "release_start": datetime.date(2026, 6, 1),
            "release_end": datetime.date(2026, 12, 31),
            "inputs": [{"asset": self.plate, "role": "plate"}],
            **overrides,
        }
        return gen.request_submit(
            actor=self.world.producer_a, production=self.world.prod_a, shot=shot or self.shot, **fields
        )


@pytest.fixture
def gate(world):
    return Gate(world)
