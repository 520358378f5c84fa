"""Exceptions raised by the Genesys client. Messages name the request, never secrets."""

from __future__ import annotations

import re

_WORD = re.compile(r"[A-Za-z]+|v[0-9]+")  # the API's own path segments: conversations, participants, v2, …


def loggable_path(path: str) -> str:
    """The request path with every segment that is not one of the API's words (conversation, participant,
    contact, job ids — UUIDs or not, encoded or not) replaced by ``{id}``, and no query string.
    Interaction ids are not to be written to logs (seed 004, edge case 4); the exception objects keep the
    full path for programs."""
    path = path.split("?", 1)[0].split("#", 1)[0]
    return "/".join(s if not s or _WORD.fullmatch(s) else "{id}" for s in path.split("/"))


class GenesysError(Exception):
    """Base class of every Genesys client error."""


class GenesysConfigError(GenesysError):
    """Missing or invalid configuration (credentials, region, base URL)."""


class GenesysPathError(GenesysError):
    """A request path built from data would leave ``/api/v2/`` (or a value cannot be a path segment): refused
    before anything is sent. The message names the rule broken, never the value; ``path`` keeps it for
    programs."""

    def __init__(self, message: str, *, method: str = "", path: str = "") -> None:
        self.method = method
        self.path = path
        super().__init__(message)


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
