"""Exceptions raised by the Genesys client. Messages name the request, never secrets."""

from __future__ import annotations

import re

_ID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def loggable_path(path: str) -> str:
    """The request path with its ids (conversation, participant, contact, job: UUIDs) replaced by ``{id}``.
    Interaction ids are not to be written to logs (seed 004, edge case 4); the exception objects keep the
    full path for programs."""
    return _ID.sub("{id}", path)


class GenesysError(Exception):
    """Base class of every Genesys client error."""


class GenesysConfigError(GenesysError):
    """Missing or invalid configuration (credentials, region, base URL)."""


class GenesysApiError(GenesysError):
    """The API answered with an error status that is not retried (or retries ran out)."""

    def __init__(
        self,
        method: str,
        path: str,
        status: int,
        message: str = "",
        code: str = "",
        correlation_id: str = "",
        retries_exhausted: bool = False,
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.api_message = message
        self.code = code
        self.correlation_id = correlation_id
        self.retries_exhausted = retries_exhausted
        text = f"{method} {loggable_path(path)} failed with HTTP {status}"
        if code:
            text += f" ({code})"
        if message:
            text += f": {message}"
        if correlation_id:
            text += f" [correlation id {correlation_id}]"
        if retries_exhausted:
            text += " after exhausting the retry budget"
        super().__init__(text)


class GenesysAuthError(GenesysApiError):
    """The token endpoint refused the credentials, or a fresh token was refused."""


class GenesysTransportError(GenesysError):
    """Network errors (connect, read, dropped connection, timeout) outlasted the retry budget."""

    def __init__(self, method: str, path: str, attempts: int, cause: Exception) -> None:
        self.method = method
        self.path = path
        self.attempts = attempts
        super().__init__(
            f"{method} {loggable_path(path)} failed after {attempts} attempts: {type(cause).__name__}"
        )
