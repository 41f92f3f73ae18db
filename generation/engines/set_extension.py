"""Set extension: outpaint a plate to a wider (or taller) frame with a plausible continuation."""

import torch

from .base import Engine, EngineError, EngineResult, Param, gaussian_blur, generator, load_rgb, to_png


class SetExtensionEngine(Engine):
    name = "set_extension"
    version = "1.0.0"
    uses = ("set_extension",)
    params = {
        "target_aspect": Param(2.39, 0.5, 4.0, "width / height of the extended frame (2.39 for scope)"),
        "texture": Param(0.5, 0.0, 1.0, "how much fine texture the continuation carries"),
    }
    needs_roles = {"plate": "the image to extend"}

    def run(self, inputs, params, seed):
        plates = [i for i in inputs if i.role == "plate"]
        if not plates:
            raise EngineError("set_extension needs a plate.")
        p = self.resolved(params)
        img = load_rgb(plates[0].data)
        _, h, w = img.shape
        target = p["target_aspect"]
        if abs(w / h - target) < 1e-3:
            raise EngineError(f"The plate is already {w / h:.2f}:1; choose another target_aspect.")
        if w / h < target:
            new_w = int(round(h * target))
            out = self._extend_width(img, new_w, p["texture"], seed)
        else:
            new_h = int(round(w / target))
            out = self._extend_width(img.transpose(1, 2), new_h, p["texture"], seed).transpose(1, 2)
        data, image = to_png(out)
        return EngineResult(data, "image/png", {"size": [out.shape[2], out.shape[1]], "source_size": [w, h], "params": p}, image)

    def _extend_width(self, img, new_w, texture, seed):
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
        gen = generator(seed)
        grain = torch.rand((1, 1, h // 4 + 1, new_w // 4 + 1), generator=gen) - 0.5
        grain = torch.nn.functional.interpolate(grain, size=(h, new_w), mode="bilinear", align_corners=False)[0]
        blend = blend + 0.06 * texture * grain * d
        # The original pixels stay exactly as they were.
        blend[:, :, left : left + w] = img
        return blend.clamp(0, 1)
