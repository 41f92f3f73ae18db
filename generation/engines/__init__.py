"""The engines Rightsledger can run: built in, and HTTP engines from settings."""

from django.conf import settings

from .atmosphere import AtmosphereEngine
from .base import Engine, EngineError, EngineInput, EngineResult
from .crowd_fill import CrowdFillEngine
from .http import HttpEngine
from .set_extension import SetExtensionEngine

BUILT_IN = (AtmosphereEngine(), SetExtensionEngine(), CrowdFillEngine())

__all__ = ["Engine", "EngineError", "EngineInput", "EngineResult", "get_engine", "all_engines"]


def all_engines() -> dict[str, Engine]:
    """Return every engine by name; HTTP engines are read from settings each time."""
    engines = {e.name: e for e in BUILT_IN}
    for name, conf in (settings.GENERATION_HTTP_ENGINES or {}).items():
        engines[name] = HttpEngine(
            name=name,
            url=conf["url"],
            version=str(conf.get("version", "1")),
            uses=conf.get("uses", ["other"]),
            trains_on_inputs=bool(conf.get("trains_on_inputs", False)),
            timeout=float(conf.get("timeout", 300)),
        )
    return engines


def get_engine(name: str) -> Engine | None:
    return all_engines().get(name)
