"""A tiny progress channel from the flow to whoever displays it (the CLI's progress bar).

The flow reports; the CLI listens. Nothing is shown when no one listens (scheduled runs).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Protocol


class Progress(Protocol):
    def total(self, stage: str, count: int) -> None: ...
    def advance(self, stage: str, count: int = 1) -> None: ...


class _Silent:
    def total(self, stage: str, count: int) -> None:
        pass

    def advance(self, stage: str, count: int = 1) -> None:
        pass


# _Silent holds no state, so one shared default instance is safe
current: ContextVar[Progress] = ContextVar("wirehouse_progress", default=_Silent())  # noqa: B039
