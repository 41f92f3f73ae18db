"""Crowd fill: composite licensed RGBA crowd elements into a plate, scaled by their position in
depth and colour-matched to the plate where they stand."""

import torch

from .base import SYNTHETIC_PERFORMER_PARAM, Engine, EngineError, Param, generator, load_rgba


class CrowdFillEngine(Engine):
    name = "crowd_fill"
    version = "1.0.0"
    uses = ("crowd_fill", "synthetic_performer")
    params = {
        "count": Param(12, 1, 300, "how many figures", "Number of figures", step=1),
        "horizon": Param(
            0.55, 0.05, 0.95, "the ground starts here (fraction of the height from the top)", "Horizon height"
        ),
        "near_scale": Param(
            0.35,
            0.02,
            1.0,
            "height of a figure at the bottom of the frame, as a fraction of the frame",
            "Figure height, nearest",
        ),
        "far_scale": Param(0.06, 0.01, 1.0, "height of a figure at the horizon", "Figure height, farthest"),
        "colour_match": Param(
            0.6, 0.0, 1.0, "how far each figure's colours move toward the plate's", "Colour match"
        ),
        # Read by the gate, not the engine: 1 asks for a synthetic performer (R8).
        SYNTHETIC_PERFORMER_PARAM: Param(
            0,
            0,
            1,
            "1 when a figure is a synthetic performer, who is no real person (needs a justification)",
            "Synthetic performer",
            step=1,
        ),
    }
    needs_roles = {"plate": "the image to fill", "element": "licensed RGBA crowd elements"}

    def prepare(self, inputs, p, seed, size):
        """The figures and where they stand, drawn once from the seed: on a clip they stay put."""
        w, h = size
        elements = [i for i in inputs if i.role == "element"]
        if not elements:
            raise EngineError("crowd_fill needs a plate and at least one element.")
        sprites = []
        for n, e in enumerate(elements, start=1):
            rgba = load_rgba(e.data) if not e.is_clip else None
            if rgba is None:
                raise EngineError(
                    f"Element {n} has no alpha channel: crowd elements "
                    "must be RGBA PNGs cut out from their background."
                )
            sprites.append(rgba)
        gen = generator(seed)
        horizon = p["horizon"]
        placements = []
        for _ in range(int(p["count"])):
            depth = torch.rand(1, generator=gen).item() ** 0.7  # more figures far away
            y = horizon + (1 - horizon) * depth
            x = torch.rand(1, generator=gen).item()
            k = int(torch.randint(len(sprites), (1,), generator=gen).item())
            placements.append((y, x, k, depth))
        figures = []
        for y, x, k, depth in sorted(placements):  # far first, so near figures occlude them
            sprite = sprites[k]
            height = max(4, int(h * (p["far_scale"] + (p["near_scale"] - p["far_scale"]) * depth)))
            width = max(2, int(sprite.shape[2] * height / sprite.shape[1]))
            s = torch.nn.functional.interpolate(
                sprite[None], size=(height, width), mode="bilinear", align_corners=False, antialias=True
            )[0]
            feet = int(y * h)
            top, left = feet - height, int(x * w) - width // 2
            y0, y1 = max(0, top), min(h, top + height)
            x0, x1 = max(0, left), min(w, left + width)
            if y1 <= y0 or x1 <= x0:
                continue
            figures.append(((y0, y1, x0, x1), s[:, y0 - top : y1 - top, x0 - left : x1 - left]))
        return {"p": p, "figures": figures, "count": len(placements)}

    def render(self, frame, state, index):
        out = frame.clone()
        for (y0, y1, x0, x1), s in state["figures"]:
            rgb, alpha = s[:3], s[3:4]
            region = out[:, y0:y1, x0:x1]
            # Move the figure's colour statistics toward the plate's around where it stands.
            mask = alpha > 0.5
            if mask.any():
                fig_mean = (rgb * alpha).sum((1, 2), keepdim=True) / alpha.sum().clamp(min=1)
                plate_mean = region.mean((1, 2), keepdim=True)
                rgb = (rgb + state["p"]["colour_match"] * (plate_mean - fig_mean)).clamp(0, 1)
            out[:, y0:y1, x0:x1] = region * (1 - alpha) + rgb * alpha
        return out

    def describe_run(self, inputs, p):
        return {"figures": int(p["count"])}
