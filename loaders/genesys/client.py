"""The Genesys Cloud HTTP client shared by the extractors and the exporter.

One ``GenesysClient`` per client-credentials token: it authenticates, throttles to the token's rate
limit, retries what is safe to retry and raises ``GenesysApiError`` naming the request for the rest.
Logs carry method, path (no query string), status, timing and the ``ININ-Correlation-Id`` only.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import httpx

from loaders import __version__
from loaders.genesys.auth import TokenProvider, _error_fields
from loaders.genesys.clock import Clock, SystemClock
from loaders.genesys.config import GenesysSettings, check_base_url
from loaders.genesys.errors import GenesysApiError, GenesysConfigError, GenesysTransportError, loggable_path
from loaders.genesys.paths import check_api_path
from loaders.genesys.ratelimit import RateLimiter

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({502, 503, 504})
CORRELATION_HEADER = "ININ-Correlation-Id"


@dataclass
class ClientStats:
    requests: int = 0  # HTTP requests sent to the API (token requests not included)
    retries: int = 0  # requests sent again after a 429, 5xx, 401 or network error
    rate_limited: int = 0  # 429 answers
    server_errors: int = 0  # 502/503/504 answers
    network_errors: int = 0  # connect/read errors, dropped connections, timeouts
    token_renewals_on_401: int = 0
    throttle_wait_s: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class GenesysClient:
    def __init__(
        self,
        settings: GenesysSettings,
        *,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        max_retries: int = 5,
        max_429_retries: int = 10,
        max_401_renewals: int = 3,
        backoff_base_s: float = 0.5,
        backoff_cap_s: float = 30.0,
        token_renew_margin_s: float = 300.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        check_base_url("the api_base_url setting", settings.api_base_url)
        check_base_url("the login_base_url setting", settings.login_base_url)
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self._rng = rng or random.Random()
        self._rng_lock = threading.Lock()
        self.max_retries = max_retries
        self.max_429_retries = max_429_retries
        self.max_401_renewals = max_401_renewals
        self.backoff_base_s = backoff_base_s
        self.backoff_cap_s = backoff_cap_s
        self._http = httpx.Client(
            base_url=settings.api_base_url,
            timeout=httpx.Timeout(settings.timeout_s),
            headers={"User-Agent": f"cx-analytics/{__version__}", "Accept": "application/json"},
            transport=transport,
        )
        self.tokens = TokenProvider(
            self._http,
            settings.login_base_url,
            settings.client_id,
            settings.client_secret,
            self.clock,
            renew_margin_s=token_renew_margin_s,
            timeout_s=settings.timeout_s,
        )
        self.limiter = RateLimiter(
            self.clock, allowed=settings.requests_per_minute, window_s=settings.rate_window_s
        )
        self.stats = ClientStats()
        self._stats_lock = threading.Lock()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **kwargs: Any) -> GenesysClient:
        """A client configured from ``GENESYS_*`` environment variables."""
        setting_keys = {f.name for f in fields(GenesysSettings)} - {"client_id", "client_secret"} | {"region"}
        setting_args = {k: kwargs.pop(k) for k in list(kwargs) if k in setting_keys}
        return cls(GenesysSettings.from_env(env, **setting_args), **kwargs)

    def __enter__(self) -> GenesysClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- convenience -------------------------------------------------------------------------------
    def get(self, path: str, *, params: Mapping[str, Any] | None = None) -> httpx.Response:
        return self.request("GET", path, params=params)

    def post(self, path: str, json: Any = None, *, params: Mapping[str, Any] | None = None) -> httpx.Response:
        return self.request("POST", path, json=json, params=params)

    def patch(self, path: str, json: Any = None) -> httpx.Response:
        return self.request("PATCH", path, json=json)

    def delete(self, path: str) -> httpx.Response:
        return self.request("DELETE", path)

    # -- the one request loop ----------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        """Send one API request; returns the 2xx response or raises ``GenesysError``.

        ``path`` must stay under ``/api/v2/`` (no '..' or '.' segments, '?', '#', backslash, encoded
        traversal, absolute URL or other host; query parameters go in ``params``): anything else raises
        ``GenesysPathError`` before a token is fetched or a byte is sent.

        429: waits ``Retry-After`` (else ``inin-ratelimit-reset``, else exponential back-off with jitter),
        up to ``max_429_retries`` times. 502/503/504 and network errors: back-off, up to ``max_retries``
        times. 401: renews the token and sends again — a 401 that answers the attempt right after a renewal
        means the credentials are refused and raises; a 401 later on (the renewed token expired during a long
        429 wait or back-off) renews again, at most ``max_401_renewals`` times per request. Anything else
        (400, 403, 404, 409, …): no retry.
        """
        method = method.upper()
        check_api_path(method, path)  # before the token: a path leaving /api/v2/ never goes out
        failures = 0
        throttled = 0
        renewals = 0
        just_renewed = False  # this attempt carries the token fetched after the previous attempt's 401
        attempt = 0
        while True:
            attempt += 1
            if attempt > 1:
                self._count("retries")
            token = self.tokens.token()
            self._count("throttle_wait_s", self.limiter.acquire())
            self._count("requests")
            started = time.perf_counter()
            try:
                response = self._http.request(
                    method,
                    path,
                    params=params,
                    json=json,
                    headers={"Authorization": f"Bearer {token}"},
                )
            except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
                raise GenesysConfigError(f"{method} {loggable_path(path)}: the API base URL cannot be used "
                                         f"({type(exc).__name__}); check GENESYS_API_BASE_URL / GENESYS_REGION"
                                         ) from None
            except httpx.TransportError as exc:
                just_renewed = False
                self._count("network_errors")
                failures += 1
                if failures > self.max_retries:
                    log.error("%s %s: %s, retry budget exhausted", method, loggable_path(path), type(exc).__name__)
                    raise GenesysTransportError(method, path, attempt, exc) from exc
                delay = self._backoff(failures)
                log.warning(
                    "%s %s: %s, retry %d/%d in %.2fs",
                    method, loggable_path(path), type(exc).__name__, failures, self.max_retries, delay,
                )
                self.clock.sleep(delay)
                continue

            elapsed_ms = (time.perf_counter() - started) * 1000
            status = response.status_code
            corr = response.headers.get(CORRELATION_HEADER, "")
            self.limiter.observe(response.headers)  # type: ignore[arg-type]
            if status < 300:
                log.debug("%s %s -> %d in %.0fms corr=%s", method, loggable_path(path), status, elapsed_ms, corr)
                return response

            if status != 401:
                just_renewed = False
            if status == 429:
                self._count("rate_limited")
                throttled += 1
                if throttled > self.max_429_retries:
                    raise self._api_error(method, path, response, exhausted=True)
                delay = self._retry_after(response, throttled)
                log.warning(
                    "%s %s -> 429 corr=%s, waiting %.2fs (retry %d/%d)",
                    method, loggable_path(path), corr, delay, throttled, self.max_429_retries,
                )
                self.limiter.block_for(delay)
                continue

            if status in RETRY_STATUSES:
                self._count("server_errors")
                failures += 1
                if failures > self.max_retries:
                    raise self._api_error(method, path, response, exhausted=True)
                delay = self._retry_after(response, failures, use_rate_reset=False)
                log.warning(
                    "%s %s -> %d corr=%s, retry %d/%d in %.2fs",
                    method, loggable_path(path), status, corr, failures, self.max_retries, delay,
                )
                self.clock.sleep(delay)
                continue

            if status == 401 and not just_renewed and renewals < self.max_401_renewals:
                renewals += 1
                just_renewed = True
                self._count("token_renewals_on_401")
                log.info("%s %s -> 401 corr=%s, renewing the token (%d/%d)", method, loggable_path(path), corr,
                         renewals, self.max_401_renewals)
                self.tokens.invalidate(token)
                continue

            error = self._api_error(method, path, response)
            # the API's message stays in the exception only: it can echo request values
            log.warning(
                "%s %s -> %d (%s) corr=%s, not retried", method, loggable_path(path), status, error.code or "-", corr
            )
            raise error

    # -- helpers -----------------------------------------------------------------------------------
    def _api_error(
        self, method: str, path: str, response: httpx.Response, *, exhausted: bool = False
    ) -> GenesysApiError:
        message, code = _error_fields(response)
        return GenesysApiError(
            method,
            path,
            response.status_code,
            message,
            code,
            response.headers.get(CORRELATION_HEADER, ""),
            retries_exhausted=exhausted,
        )

    def _retry_after(self, response: httpx.Response, attempt: int, *, use_rate_reset: bool = True) -> float:
        for header in ("Retry-After", "inin-ratelimit-reset") if use_rate_reset else ("Retry-After",):
            value = response.headers.get(header)
            if value is not None:
                try:
                    seconds = float(value)
                except ValueError:
                    continue
                if seconds >= 0:
                    return min(seconds, 300.0)
        return self._backoff(attempt)

    def _backoff(self, attempt: int) -> float:
        """Exponential back-off with full jitter in [base*2^(n-1)/2, base*2^(n-1)], capped."""
        ceiling = min(self.backoff_cap_s, self.backoff_base_s * 2 ** (attempt - 1))
        with self._rng_lock:
            return ceiling * (0.5 + 0.5 * self._rng.random())

    def _count(self, name: str, amount: float = 1) -> None:
        with self._stats_lock:
            setattr(self.stats, name, getattr(self.stats, name) + amount)
