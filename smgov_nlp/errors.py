"""The one exception type the CLI turns into a one-line message and a non-zero exit."""

from __future__ import annotations


class SmgovError(Exception):
    """A problem the user can fix: the message says what was expected, what was found, and what to do."""

    def __init__(self, problem: str, fix: str | None = None):
        self.problem = problem
        self.fix = fix
        super().__init__(f"{problem}; {fix}" if fix else problem)
