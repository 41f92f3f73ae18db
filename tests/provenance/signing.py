"""Signing a still outside the pipeline, for the tests of credentials, time-stamps and trust."""

from provenance import manifest as mf
from provenance import services

from .. import images

# The plainest output: no ingredients, every AI use reserved.
FACTS = mf.OutputFacts(
    title="t",
    engine="e",
    engine_version="1",
    generator_version="0",
    ingredients=(),
    reserved_uses=frozenset(mf.TDM_USES),
)


def sign_png(**kwargs) -> bytes:
    """A small PNG signed with FACTS (identity= another than the active one); the signed bytes."""
    signed, _, _, _ = services.sign_bytes(data=images.png(5), media_type="image/png", facts=FACTS, **kwargs)
    return signed
