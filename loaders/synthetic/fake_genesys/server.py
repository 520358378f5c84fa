"""The fake Genesys Cloud HTTP server: a real socket on 127.0.0.1 in a background thread.

Every request goes: read body -> token endpoint or bearer check -> per-token window count (429 when
over) -> injected faults -> endpoint handler -> JSON reply with ``ININ-Correlation-Id`` and
``inin-ratelimit-*`` headers. Requests that reach a handler are recorded in ``requests``; every request the
socket received (token requests, refused and unknown paths included) is logged in ``received`` as
(method, request target exactly as sent).
"""

from __future__ import annotations

import base64
import json
import logging
import posixpath
import secrets
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from loaders.synthetic.fake_genesys.api import ApiError, FakeApi, Reply, error_body
from loaders.synthetic.fake_genesys.config import FakeConfig
from loaders.synthetic.fake_genesys.faults import FaultInjector
from loaders.synthetic.fake_genesys.ratelimit import WindowRateLimit
from loaders.synthetic.fake_genesys.reference import ReferenceStore
from loaders.synthetic.fake_genesys.store import ConversationStore
from loaders.synthetic.fake_genesys.users import UserDetailsStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int
    correlation_id: str
    at: float = field(compare=False)


@dataclass(frozen=True)
class LimitEvent:
    """A 429 the window limiter (not fault injection) answered."""

    token_index: int
    window_index: int
    at: float


class FakeGenesys:
    """A fake Genesys Cloud on 127.0.0.1. Use as a context manager or call ``start()`` / ``stop()``."""

    def __init__(
        self,
        config: FakeConfig | None = None,
        store: ConversationStore | None = None,
        *,
        data_dir: Path | str | None = None,
        reference: ReferenceStore | None = None,
        reference_dir: Path | str | None = None,
        users: UserDetailsStore | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.config = config or FakeConfig()
        if store is None:
            store = ConversationStore.from_dir(data_dir) if data_dir else ConversationStore()
        self.store = store
        if reference is None:
            # the generator's layout: <out>/genesys/conversations beside <out>/genesys/reference
            sibling = Path(data_dir).parent / "reference" if data_dir else None
            if reference_dir is None and sibling is not None and sibling.is_dir():
                reference_dir = sibling
            reference = ReferenceStore.from_dir(reference_dir) if reference_dir else ReferenceStore()
        self.reference = reference
        if users is None:
            users_dir = Path(data_dir).parent / "users" if data_dir else None
            users = UserDetailsStore.from_dir(users_dir) if users_dir and users_dir.is_dir() else UserDetailsStore()
        self.users = users
        self.faults = FaultInjector(self.config.faults)
        self.api = FakeApi(self.config, store, self.faults, reference, users)
        self.limit = WindowRateLimit(self.config.rate_allowed, self.config.rate_window_s)
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[float, int]] = {}  # token -> (expires_at monotonic, index)
        self._revoked: set[str] = set()
        self.requests: list[RecordedRequest] = []
        self.received: list[tuple[str, str]] = []  # (method, raw request target) of every request
        self.limit_events: list[LimitEvent] = []
        self.counts: Counter[str] = Counter()
        self._server = _Server((host, port), _Handler)
        self._server.fake = self
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeGenesys:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-genesys", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeGenesys:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def client_env(self) -> dict[str, str]:
        """Environment variables that point a ``GenesysClient`` at this fake."""
        return {
            "GENESYS_API_BASE_URL": self.url,
            "GENESYS_LOGIN_BASE_URL": self.url,
            "GENESYS_CLIENT_ID": self.config.client_id,
            "GENESYS_CLIENT_SECRET": self.config.client_secret,
        }

    # -- inspection helpers ------------------------------------------------------------------------
    def accepted(self, method: str | None = None, path_prefix: str = "") -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests
                    if (method is None or r.method == method) and r.path.startswith(path_prefix)]

    def received_outside(self, prefix: str = "/api/v2/") -> list[tuple[str, str]]:
        """Requests whose target, percent-decoded and dot-segment-normalised, is not under ``prefix`` (the
        token endpoint aside): what a path-injection test asserts is empty."""
        with self._lock:
            received = list(self.received)
        return [(m, t) for m, t in received if t != "/oauth/token" and not _normalised(t).startswith(prefix)]

    @property
    def issued_tokens(self) -> list[str]:
        with self._lock:
            return list(self._tokens)

    def revoke_all_tokens(self) -> None:
        with self._lock:
            self._revoked.update(self._tokens)

    # -- request processing ------------------------------------------------------------------------
    def process(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> Reply | None:
        """One request -> reply, or None to drop the connection without answering."""
        corr = str(uuid.uuid4())
        split = urlsplit(target)
        path, query = split.path, dict(parse_qsl(split.query))
        self.counts["received"] += 1
        with self._lock:
            self.received.append((method, target))
        rate_headers: dict[str, str] | None = None
        try:
            if path == "/oauth/token":
                return self._with_corr(self._token_endpoint(method, headers, raw), corr, None)
            token, token_index = self._authenticate(headers)
            verdict = self.limit.hit(token)
            rate_headers = {
                "inin-ratelimit-count": str(verdict.count),
                "inin-ratelimit-allowed": str(verdict.allowed),
                "inin-ratelimit-reset": self.limit.format_seconds(verdict.reset_s),
            }
            if verdict.exceeded:
                with self._lock:
                    self.limit_events.append(LimitEvent(token_index, verdict.window_index, time.monotonic()))
                self.counts["limited_429"] += 1
                reply = self._error(429, "too.many.requests.retry.after",
                                    f"Rate limit exceeded the maximum [{verdict.allowed}] requests within "
                                    f"[{self.limit.window_s:g}] seconds", corr)
                reply.headers["Retry-After"] = self.limit.format_seconds(verdict.reset_s)
                return self._with_corr(reply, corr, rate_headers)
            fault = self.faults.decide(method, target, raw)
            if fault is not None:
                self.counts[f"fault_{fault.kind}"] += 1
                if fault.kind == "drop":
                    return None
                if fault.kind == "slow":
                    time.sleep(self.config.faults.slow_s)
                elif fault.kind == "429":
                    reply = self._error(429, "too.many.requests.retry.after", "Rate limit exceeded", corr)
                    reply.headers["Retry-After"] = _seconds(self.config.faults.retry_after_s)
                    return self._with_corr(reply, corr, rate_headers)
                elif fault.kind == "5xx":
                    messages = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
                    return self._with_corr(self._error(fault.status, "service.unavailable"
                                                       if fault.status == 503 else "bad.gateway",
                                                       messages[fault.status], corr), corr, rate_headers)
                elif fault.kind == "status":
                    codes = {400: ("bad.request", "The request could not be understood by the server"),
                             403: ("missing.any.permissions",
                                   "You are not authorized to perform the requested action."),
                             404: ("not.found", "The requested resource was not found.")}
                    code, message = codes.get(fault.status, ("error", "Injected error"))
                    raise ApiError(fault.status, code, message)
                elif fault.kind == "expire_token":
                    with self._lock:
                        self._revoked.add(token)
                    raise ApiError(401, "bad.credentials", "Invalid login credentials.")
            if len(raw) > self.config.request_bytes_max:
                raise ApiError(413, "request.entity.too.large",
                               f"The request exceeds the maximum of {self.config.request_bytes_max} bytes")
            handler, match = self.api.route(method, path)
            body = _parse_json(raw)
            try:
                reply = handler(match, query, body)
            except ApiError as exc:
                self._record(method, path, query, body, exc.status, corr)
                raise
            self._record(method, path, query, body, reply.status, corr)
            return self._with_corr(reply, corr, rate_headers)
        except ApiError as exc:
            reply = self._error(exc.status, exc.code, exc.message, corr, exc.details)
            return self._with_corr(reply, corr, rate_headers)

    def _record(self, method: str, path: str, query: dict[str, str], body: Any, status: int, corr: str) -> None:
        with self._lock:
            self.requests.append(RecordedRequest(method, path, query, body, status, corr, time.monotonic()))

    def _token_endpoint(self, method: str, headers: dict[str, str], raw: bytes) -> Reply:
        if method != "POST":
            raise ApiError(405, "method.not.allowed", "Use POST for /oauth/token")
        auth = headers.get("authorization", "")
        expected = base64.b64encode(f"{self.config.client_id}:{self.config.client_secret}".encode()).decode()
        if auth != f"Basic {expected}":
            raise ApiError(401, "bad.credentials", "Invalid login credentials.")
        form = dict(parse_qsl(raw.decode("utf-8", "replace")))
        if form.get("grant_type") != "client_credentials":
            raise ApiError(400, "bad.request", "grant_type must be client_credentials")
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = (time.monotonic() + self.config.token_ttl_s, len(self._tokens))
        self.counts["tokens_issued"] += 1
        return Reply(200, {"access_token": token, "token_type": "bearer", "expires_in": self.config.token_ttl_s})

    def _authenticate(self, headers: dict[str, str]) -> tuple[str, int]:
        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            raise ApiError(401, "authentication.required",
                           "No authentication bearer token specified in authorization header.")
        token = auth.removeprefix("Bearer ")
        with self._lock:
            issued = self._tokens.get(token)
            if issued is None or token in self._revoked or time.monotonic() >= issued[0]:
                self.counts["unauthorized_401"] += 1
                raise ApiError(401, "bad.credentials", "Invalid login credentials.")
            return token, issued[1]

    @staticmethod
    def _error(status: int, code: str, message: str, corr: str, details: list[Any] | None = None) -> Reply:
        return Reply(status, error_body(status, code, message, corr, details))

    @staticmethod
    def _with_corr(reply: Reply, corr: str, rate_headers: dict[str, str] | None) -> Reply:
        reply.headers["ININ-Correlation-Id"] = corr
        if rate_headers:
            reply.headers.update(rate_headers)
        return reply


def _normalised(target: str) -> str:
    """The path a lenient server would route ``target`` to: absolute-form host dropped, query and fragment
    cut, percent-decoding repeated until stable, backslashes as slashes, dot segments resolved."""
    split = urlsplit(target)
    path = split.path if target.startswith("/") and not target.startswith("//") else "//" + target
    for _ in range(3):
        path = unquote(path)
    path = path.replace("\\", "/")
    normal = posixpath.normpath(path) if path else "/"
    return normal + ("/" if path.endswith("/") and normal != "/" else "")


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.3f}"


def _parse_json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise ApiError(400, "bad.request", "The request body is not valid JSON") from None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64
    fake: FakeGenesys


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    server: _Server

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        reply = self.server.fake.process(self.command, self.path, headers, raw)
        if reply is None:  # dropped connection: no status line, socket closed
            self.close_connection = True
            return
        payload = b"" if reply.body is None else json.dumps(reply.body).encode()
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if payload:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("fake genesys: " + format, *args)
