"""The ``smgov`` command line: a thin typer layer over the library functions.

Library code raises :class:`~smgov_nlp.errors.SmgovError`; only :func:`main` turns it into a one-line
message on stderr and a non-zero exit code. Each module here registers its commands on the one app.
"""

from smgov_nlp.cli import coding, ideas, qda, review  # noqa: F401  (importing registers the commands)
from smgov_nlp.cli.app import app, main

__all__ = ["app", "main"]
