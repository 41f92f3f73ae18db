"""Set extension: outpaint a plate to a wider (or taller) frame with a plausible continuation."""

import torch

from .base import Engine, EngineError, Param, gaussian_blur, generator


class SetExtensionEngine(Engine):
    name = "set_extension"
    version = "1.0.0"
    uses = ("set_extension",)
    params = {
        "target_aspect": Param(
            2.39, 0.5, 4.0, "width / height of the extended frame (2.39 for scope)", "Target aspect ratio"
        ),
        "texture": Param(0.5, 0.0, 1.0, "how much fine texture the continuation carries", "Texture"),
    }
    needs_roles = {"plate": "the image to extend"}

    def prepare(self, inputs, p, seed, size):
        """The extended frame's size and its seeded grain, once: on a clip the texture stays put."""
        w, h = size
        target = p["target_aspect"]
        if abs(w / h - target) < 1e-3:
            raise EngineError(f"The plate is already {w / h:.2f}:1; choose another target_aspect.")
        wide = w / h < target
        new = int(round(h * target if wide else w / target))
        along, across = (new, h) if wide else (new, w)
        gen = generator(seed)
        grain = torch.rand((1, 1, across // 4 + 1, along // 4 + 1), generator=gen) - 0.5
        grain = torch.nn.functional.interpolate(
            grain, size=(across, along), mode="bilinear", align_corners=False
        )[0]
        return {"p": p, "wide": wide, "new": new, "grain": grain}

    def render(self, frame, state, index):
        p = state["p"]
        if state["wide"]:
            return self._extend_width(frame, state["new"], p["texture"], state["grain"])
        return self._extend_width(
            frame.transpose(1, 2), state["new"], p["texture"], state["grain"]
        ).transpose(1, 2)

    def _extend_width(self, img, new_w, texture, grain):
        c, h, w = img.shape
        left = (new_w - w) // 2
        right = new_w - w - left
        # Mirror the plate outward (repeatedly if the margin is wider than the plate), then
        # let detail fall off with distance from the seam, as an extension painter would.
        reps = max(left, right) // w + 2
        tiles = [img if k % 2 == 0 else img.flip(2) for k in range(-reps, reps + 1)]
        strip = torch.cat(tiles, dim=2)
        centre = reps * w
        canvas = strip[:, :, centre - left : centre + w + right]
        distance = torch.zeros(new_w)
        distance[:left] = torch.arange(left, 0, -1, dtype=torch.float32) / max(1, left)
        distance[left + w :] = torch.arange(1, right + 1, dtype=torch.float32) / max(1, right)
        soft = gaussian_blur(canvas, max(2.0, h / 40))
        softer = gaussian_blur(canvas, max(4.0, h / 12))
        d = distance.view(1, 1, -1)
        blend = canvas * (1 - d).clamp(0, 1) ** 2 + soft * (2 * d * (1 - d)).clamp(0, 1) + softer * (d**2)
        # Fine, seeded texture so the continuation does not read as a smear.
        blend = blend + 0.06 * texture * grain * d
        # The original pixels stay exactly as they were.
        blend[:, :, left : left + w] = img
        return blend.clamp(0, 1)
