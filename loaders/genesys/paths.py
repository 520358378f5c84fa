"""Request paths built from data: one percent-encoded segment per value, and a guard on every path sent.

Every API path the project sends is ``/api/v2/…``. Values that come from data (conversation and participant
ids from the marts, job ids from an API answer, configured ids) go into a path only through ``segment()``,
which percent-encodes everything but unreserved characters (``quote(value, safe='')``), and a value that
could change the path's shape once a server decodes it ('/', '\\', '?', '#', '%', '.' / '..', control
characters, empty) is refused first by ``segment_problem()``. ``check_api_path()`` is the last line: the
shared client calls it before sending anything, so a path that would leave ``/api/v2/`` after
normalisation never goes out with a bearer token on it.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import quote, unquote

from loaders.genesys.errors import GenesysPathError

API_PREFIX = "/api/v2/"
_CONTROL = re.compile(r"[\x00-\x20\x7f]")
# percent-encoded '.', '/', '\' and '%' (double encoding): a path that needs them is refused
_ENCODED_TRAVERSAL = re.compile(r"%(2e|2f|5c|25)", re.IGNORECASE)


def segment_problem(value: str) -> str:
    """Why ``value`` cannot be one path segment (empty string when it can)."""
    if not value:
        return "is empty"
    if value in (".", ".."):
        return "is a dot segment"
    for char, name in (("/", "'/'"), ("\\", "a backslash"), ("?", "'?'"), ("#", "'#'"), ("%", "'%'")):
        if char in value:
            return f"contains {name}"
    if re.search(r"[\x00-\x1f\x7f]", value):
        return "contains a control character"
    return ""


def segment(value: str) -> str:
    """``value`` as one percent-encoded path segment; raises ``GenesysPathError`` when it is not usable."""
    problem = segment_problem(value)
    if problem:
        raise GenesysPathError(f"a path segment {problem}")
    return quote(value, safe="")


def path_problem(path: str) -> str:
    """Why ``path`` may not be sent (empty string when it may)."""
    if not isinstance(path, str) or not path:
        return "is empty"
    if "://" in path or path.startswith("//"):
        return "is an absolute URL or names another host"
    if not path.startswith(API_PREFIX):
        return f"does not start with {API_PREFIX}"
    for char, name in (("?", "'?' (pass query parameters as params)"), ("#", "'#'"), ("\\", "a backslash")):
        if char in path:
            return f"contains {name}"
    if _CONTROL.search(path):
        return "contains a space or control character"
    if _ENCODED_TRAVERSAL.search(path):
        return "contains an encoded '.', '/', '\\' or '%'"
    segments = path[len(API_PREFIX):].split("/")
    if any(s in (".", "..") for s in segments):
        return "contains a '.' or '..' segment"
    if any(s == "" for s in segments):
        return "contains an empty segment"
    decoded = unquote(path)
    if not posixpath.normpath(decoded).startswith(API_PREFIX) or any(
        c in decoded for c in ("?", "#", "\\")
    ):
        return "leaves /api/v2/ once decoded"
    return ""


def check_api_path(method: str, path: str) -> None:
    """Raise ``GenesysPathError`` (naming the rule, not the path) for a path that may not be sent."""
    problem = path_problem(path)
    if problem:
        raise GenesysPathError(f"refused to send {method}: the request path {problem}; nothing was sent",
                               method=method, path=path)
