"""The SDK's version, as installed: in the OTel resource, the instrumentation scope and `--version`."""

from __future__ import annotations

from importlib import metadata

from opentelemetry.sdk.util.instrumentation import InstrumentationScope


def _version() -> str:
    try:
        return metadata.version("airdrops-monitoring")
    except metadata.PackageNotFoundError:  # a source tree that is not installed
        return "0+unknown"


VERSION = _version()
#: The scope the catalogue instruments are exported under.
SCOPE = InstrumentationScope("airdrops.monitoring", VERSION)
