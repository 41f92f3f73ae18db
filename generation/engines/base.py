"""The interface every engine implements, and the helpers they share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from rightsledger.imaging import open_image

from .clip import run_clip
from .types import EngineError, EngineInput, EngineResult

# The parameter by which a request asks an engine for a synthetic performer (the gate's R8).
SYNTHETIC_PERFORMER_PARAM = "synthetic_performer"


@dataclass(frozen=True)
class Param:
    """A number an engine takes: its default, range and step, its name in words and what it does."""

    default: float
    low: float
    high: float
    help: str = ""
    label: str = ""  # in words, for a form ("Fog density"); the key's words when empty
    step: float = 0.01  # the smallest change that matters, for a form's number field

    def words(self, key: str) -> str:
        return self.label or key.replace("_", " ").capitalize()


class Engine:
    name: str = ""
    version: str = ""
    uses: tuple[str, ...] = ()
    trains_on_inputs: bool = False
    params: dict[str, Param] = {}
    needs_roles: dict[str, str] = {}  # role -> what it is for, one input at least

    def describe(self) -> dict:
        return {
            "name": self.name,
            "version": self.version,
            "uses": list(self.uses),
            "trains_on_inputs": self.trains_on_inputs,
            "parameters": {
                k: {
                    "label": p.words(k),
                    "default": p.default,
                    "min": p.low,
                    "max": p.high,
                    "step": p.step,
                    "help": p.help,
                }
                for k, p in self.params.items()
            },
            "inputs": self.needs_roles,
        }

    def check_params(self, params: dict) -> list[str]:
        """Return one message per problem in the parameters; empty when they are fine."""
        return [message for _, message in self.param_problems(params)]

    def param_problems(self, params: dict) -> list[tuple[str | None, str]]:
        """Return (parameter, message) per problem in the parameters, the parameter None for one
        the engine does not take; the messages name each parameter in words."""
        problems = []
        for key, value in params.items():
            spec = self.params.get(key)
            if spec is None:
                problems.append(
                    (
                        None,
                        f"{self.name} has no parameter {key!r}; it takes: "
                        f"{', '.join(sorted(self.params)) or 'none'}.",
                    )
                )
            elif not isinstance(value, (int, float)) or isinstance(value, bool):
                problems.append((key, f"{spec.words(key)} must be a number, such as {spec.default:g}."))
            elif not spec.low <= value <= spec.high:
                problems.append(
                    (
                        key,
                        f"{spec.words(key)} must be from {spec.low:g} to {spec.high:g}; "
                        f"{value:g} is outside.",
                    )
                )
        return problems

    def check_inputs(self, roles: list[str]) -> list[str]:
        return [
            f"{self.name} needs at least one {role} input ({why})."
            for role, why in self.needs_roles.items()
            if role not in roles
        ]

    def resolved(self, params: dict) -> dict:
        return {k: float(params.get(k, p.default)) for k, p in self.params.items()}

    # A built-in engine is written once for stills and clips: prepare() does, once per run, what
    # does not change from frame to frame (seeded noise, placements, sprites); render() makes one
    # output frame from one plate frame. A clip runs them frame by frame, streamed (engines.clip).

    def prepare(self, inputs: list[EngineInput], params: dict, seed: int, size: tuple[int, int]):
        """Return what every frame of a run shares; size is the plate's (width, height)."""
        return None

    def render(self, frame: torch.Tensor, state, index: int) -> torch.Tensor:
        """Return output frame `index` ([3, H, W] in 0..1) from the plate's frame at that index."""
        raise NotImplementedError

    def plate(self, inputs: list[EngineInput]) -> EngineInput:
        plates = [i for i in inputs if i.role == "plate"]
        if not plates:
            raise EngineError(f"{self.name} needs a plate.")
        return plates[0]

    def run(
        self,
        inputs: list[EngineInput],
        params: dict,
        seed: int,
        workdir: str | None = None,
        watermark: int | None = None,
        label=None,
    ) -> EngineResult:
        """Run on a still plate (a PNG out) or a clip (an MP4 written under workdir, every frame
        labelled with the visible label, then marked with the watermark identifier, as it is
        rendered). A still is labelled and marked after the run, before it is signed: it is
        returned as pixels, encoded once, when its data is first read."""
        plate = self.plate(inputs)
        p = self.resolved(params)
        if plate.is_clip:
            return run_clip(self, plate, inputs, p, seed, workdir, watermark, label)
        img = load_rgb(plate.data)
        _, h, w = img.shape
        out = self.render(img, self.prepare(inputs, p, seed, (w, h)), 0)
        # Kept as pixels: the label and the watermark change them, and the still is encoded once,
        # when it is signed (EngineResult.data).
        return EngineResult.still(
            to_image(out),
            "image/png",
            {"size": [out.shape[2], out.shape[1]], "params": p, **self.describe_run(inputs, p)},
        )

    def describe_run(self, inputs: list[EngineInput], p: dict) -> dict:
        """What the engine adds to a run's metadata."""
        return {}


def load_rgb(data: bytes) -> torch.Tensor:
    """Decode an image to a float tensor [3, H, W] in 0..1."""
    with open_image(data) as img:
        arr = np.asarray(img.convert("RGB"), dtype=np.float32) / 255.0
    return torch.from_numpy(arr).permute(2, 0, 1).contiguous()


def load_rgba(data: bytes) -> torch.Tensor | None:
    """Decode an image with its alpha channel to [4, H, W]; None if it has no alpha."""
    with open_image(data) as img:
        if img.mode not in ("RGBA", "LA", "PA") and not (img.mode == "P" and "transparency" in img.info):
            return None
        arr = np.asarray(img.convert("RGBA"), dtype=np.float32) / 255.0
    return torch.from_numpy(arr).permute(2, 0, 1).contiguous()


def to_image(tensor: torch.Tensor) -> Image.Image:
    """Return a [3, H, W] tensor in 0..1 as an 8-bit RGB image."""
    arr = (tensor.clamp(0, 1).permute(1, 2, 0).numpy() * 255.0 + 0.5).astype(np.uint8)
    return Image.fromarray(arr, "RGB")


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of [C, H, W] with reflected borders."""
    if sigma <= 0:
        return x
    radius = max(1, int(3 * sigma))
    t = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k = torch.exp(-(t**2) / (2 * sigma**2))
    k = k / k.sum()
    c = x.shape[0]
    y = torch.nn.functional.pad(x[None], (radius, radius, 0, 0), mode="reflect")
    y = torch.nn.functional.conv2d(y, k.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    y = torch.nn.functional.pad(y, (0, 0, radius, radius), mode="reflect")
    y = torch.nn.functional.conv2d(y, k.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)
    return y[0]


def generator(seed: int) -> torch.Generator:
    g = torch.Generator()
    g.manual_seed(int(seed) & 0xFFFFFFFFFFFF)
    return g
