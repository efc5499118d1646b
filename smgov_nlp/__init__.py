"""smgov-nlp: turn raw workshop notes on social media in government into coded, consolidated findings."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("smgov-nlp")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
