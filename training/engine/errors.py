"""The engine's two exceptions: a user-actionable failure and a honoured cancel request."""

from __future__ import annotations


class EngineError(Exception):
    """A failure the user can act on (bad data, bad config), with a stable machine-readable code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Cancelled(Exception):
    """Raised when `should_stop()` returned true; no artifact is left behind."""
