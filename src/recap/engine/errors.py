"""Errors the engine raises for input that breaks its contract.

Contract: every `ProblemError` names the offending field with a JSON path
(`actions[3].uses.capex`) and says what is wrong in one line; the CLI prints exactly that
and exits with code 2.
"""

from __future__ import annotations


class ProblemError(ValueError):
    """Input that breaks the engine's contract. `str(err)` is `path: message`."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)

    def __reduce__(self) -> tuple[type[ProblemError], tuple[str, str]]:
        return (type(self), (self.path, self.message))  # rebuilt whole in another process


class Stopped(Exception):  # noqa: N818 - it is not an error: the caller asked for it
    """The caller's `should_stop()` said yes: the work stopped, and nothing it had done so far
    is returned. Any processes it used are gone when this is raised."""
