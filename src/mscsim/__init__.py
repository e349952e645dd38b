"""mscsim: in-silico trials of MSC therapy for COVID-19 lung injury (research use only)."""

from importlib.metadata import PackageNotFoundError, version

from mscsim._errors import InputError

try:
    __version__ = version("mscsim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["InputError", "__version__"]
