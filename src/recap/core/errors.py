"""The one error a spreadsheet reader raises: every problem found, each naming its place."""

from __future__ import annotations

from collections.abc import Sequence


class TableError(Exception):
    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        super().__init__(self.errors[0] if self.errors else "invalid file")
