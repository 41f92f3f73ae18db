"""The stack's tests use the object storage tests' S3 server (moto, in its own process), the
broker fixture of the worker tests, and the small open_clip model of the fingerprint tests."""

from ..provenance.test_fingerprints import tiny_clip  # noqa: F401
from ..storage.conftest import moto_server, s3, s3_bucket  # noqa: F401
from ..workers import broker  # noqa: F401
