"""Atmosphere: depth-graded fog or haze, and light rain, over a plate."""

import math

import torch

from .base import Engine, EngineError, EngineResult, Param, gaussian_blur, generator, load_rgb, to_png


class AtmosphereEngine(Engine):
    name = "atmosphere"
    version = "1.0.0"
    uses = ("atmosphere",)
    params = {
        "fog_density": Param(0.5, 0.0, 1.0, "how thick the fog is at the horizon"),
        "fog_r": Param(0.78, 0.0, 1.0, "fog colour, red"),
        "fog_g": Param(0.80, 0.0, 1.0, "fog colour, green"),
        "fog_b": Param(0.84, 0.0, 1.0, "fog colour, blue"),
        "horizon": Param(0.45, 0.05, 0.95, "height of the horizon, as a fraction of the frame from the top"),
        "rain": Param(0.3, 0.0, 1.0, "rain amount; 0 for none"),
        "rain_angle": Param(12.0, -45.0, 45.0, "rain angle from vertical, degrees"),
    }
    needs_roles = {"plate": "the image to put the weather on"}

    def run(self, inputs, params, seed):
        plates = [i for i in inputs if i.role == "plate"]
        if not plates:
            raise EngineError("atmosphere needs a plate.")
        p = self.resolved(params)
        img = load_rgb(plates[0].data)
        _, h, w = img.shape

        # Depth proxy: rows nearer the horizon are farther away; the sky above it is farthest.
        # Bright, low-contrast regions read as distant too (aerial perspective).
        y = torch.linspace(0, 1, h).view(h, 1).expand(h, w)
        horizon = p["horizon"]
        depth = torch.where(y <= horizon, torch.ones_like(y), 1.0 - (y - horizon) / (1.0 - horizon))
        luminance = (0.299 * img[0] + 0.587 * img[1] + 0.114 * img[2])
        local_contrast = (gaussian_blur(luminance[None] ** 2, 6)[0] - gaussian_blur(luminance[None], 6)[0] ** 2).clamp(min=0).sqrt()
        depth = (0.8 * depth + 0.2 * (1.0 - (local_contrast * 4).clamp(0, 1))).clamp(0, 1)
        depth = gaussian_blur(depth[None], max(1.0, h / 90))[0]

        transmission = torch.exp(-3.0 * p["fog_density"] * depth)
        fog = torch.tensor([p["fog_r"], p["fog_g"], p["fog_b"]]).view(3, 1, 1)
        out = img * transmission + fog * (1.0 - transmission)

        if p["rain"] > 0:
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
            streaks = streaks.clamp(0, 1)
            streaks = gaussian_blur(streaks[None], 0.7)[0] * (0.35 + 0.25 * depth.neg().add(1))
            out = out * (1 - streaks) + 0.9 * streaks
        data, image = to_png(out)
        return EngineResult(data, "image/png", {"size": [w, h], "params": p}, image)
