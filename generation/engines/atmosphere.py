"""Atmosphere: depth-graded fog or haze, and light rain, over a plate."""

import math

import torch

from .base import Engine, Param, gaussian_blur, generator


class AtmosphereEngine(Engine):
    name = "atmosphere"
    version = "1.0.0"
    uses = ("atmosphere",)
    params = {
        "fog_density": Param(0.5, 0.0, 1.0, "how thick the fog is at the horizon", "Fog density"),
        "fog_r": Param(0.78, 0.0, 1.0, "the fog colour's red, from none to full", "Fog colour: red"),
        "fog_g": Param(0.80, 0.0, 1.0, "the fog colour's green, from none to full", "Fog colour: green"),
        "fog_b": Param(0.84, 0.0, 1.0, "the fog colour's blue, from none to full", "Fog colour: blue"),
        "horizon": Param(
            0.45,
            0.05,
            0.95,
            "height of the horizon, as a fraction of the frame from the top",
            "Horizon height",
        ),
        "rain": Param(0.3, 0.0, 1.0, "rain amount; 0 for none", "Rain"),
        "rain_angle": Param(12.0, -45.0, 45.0, "rain angle from vertical, in degrees", "Rain angle", step=1),
    }
    needs_roles = {"plate": "the image to put the weather on"}

    def prepare(self, inputs, p, seed, size):
        """The rain's streaks, drawn once from the seed; each frame moves them down the frame."""
        w, h = size
        if p["rain"] <= 0:
            return {"p": p, "rain": None}
        gen = generator(seed)
        drops = (torch.rand((h, w), generator=gen) < 0.004 * p["rain"]).float()
        length = max(5, h // 25)
        angle = math.radians(p["rain_angle"])
        # Each drop smeared along the rain's direction: the sum of the drop map shifted along
        # the line (a dense line kernel would cost length^2 per pixel).
        padded = torch.nn.functional.pad(drops, (length, length, length, length))
        streaks = torch.zeros((h, w))
        for t in range(length):
            dy, dx = int(round(t * math.cos(angle))), int(round(t * math.sin(angle)))
            streaks += padded[length - dy : length - dy + h, length - dx : length - dx + w]
        streaks = gaussian_blur(streaks.clamp(0, 1)[None], 0.7)[0]
        # Between two frames a drop falls a little more than its streak's length.
        fall = max(2, int(length * 1.2))
        return {"p": p, "rain": {"streaks": streaks, "fall": (fall, int(round(fall * math.tan(angle))))}}

    def render(self, frame, state, index):
        p, rain = state["p"], state["rain"]
        img = frame
        _, h, w = img.shape
        # Depth proxy: rows nearer the horizon are farther away; the sky above it is farthest.
        # Bright, low-contrast regions read as distant too (aerial perspective). Computed from
        # each frame, so the fog stays put where the plate does not move.
        y = torch.linspace(0, 1, h).view(h, 1).expand(h, w)
        horizon = p["horizon"]
        depth = torch.where(y <= horizon, torch.ones_like(y), 1.0 - (y - horizon) / (1.0 - horizon))
        luminance = 0.299 * img[0] + 0.587 * img[1] + 0.114 * img[2]
        local_contrast = (
            (gaussian_blur(luminance[None] ** 2, 6)[0] - gaussian_blur(luminance[None], 6)[0] ** 2)
            .clamp(min=0)
            .sqrt()
        )
        depth = (0.8 * depth + 0.2 * (1.0 - (local_contrast * 4).clamp(0, 1))).clamp(0, 1)
        depth = gaussian_blur(depth[None], max(1.0, h / 90))[0]

        transmission = torch.exp(-3.0 * p["fog_density"] * depth)
        fog = torch.tensor([p["fog_r"], p["fog_g"], p["fog_b"]]).view(3, 1, 1)
        out = img * transmission + fog * (1.0 - transmission)
        if rain is not None:
            dy, dx = rain["fall"]
            streaks = torch.roll(rain["streaks"], shifts=(index * dy % h, index * dx % w), dims=(0, 1))
            streaks = streaks * (0.35 + 0.25 * depth.neg().add(1))
            out = out * (1 - streaks) + 0.9 * streaks
        return out
