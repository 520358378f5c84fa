"""OAuth client-credentials tokens: fetched with Basic auth, cached, renewed before expiry."""

from __future__ import annotations

import logging
import threading

import httpx

from loaders.genesys.clock import Clock
from loaders.genesys.errors import GenesysAuthError, GenesysConfigError, GenesysTransportError

log = logging.getLogger(__name__)

TOKEN_PATH = "/oauth/token"


class TokenProvider:
    """Hands out a bearer token, renewing it ``renew_margin_s`` before it expires or on demand."""

    def __init__(
        self,
        http: httpx.Client,
        login_base_url: str,
        client_id: str,
        client_secret: str,
        clock: Clock,
        *,
        renew_margin_s: float = 300.0,
        timeout_s: float = 30.0,
        max_attempts: int = 4,
    ) -> None:
        self._http = http
        self._url = login_base_url.rstrip("/") + TOKEN_PATH
        self._auth = httpx.BasicAuth(client_id, client_secret)
        self._clock = clock
        self._renew_margin_s = renew_margin_s
        self._timeout_s = timeout_s
        self._max_attempts = max_attempts
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self.fetches = 0

    def token(self) -> str:
        with self._lock:
            if self._token is None or self._clock.monotonic() >= self._expires_at:
                self._fetch()
            assert self._token is not None
            return self._token

    def invalidate(self, token: str | None = None) -> None:
        """Forget the cached token (only if it is still ``token`` when given, so threads renew once)."""
        with self._lock:
            if token is None or token == self._token:
                self._token = None

    def _fetch(self) -> None:
        last_exc: Exception | None = None
        for attempt in range(1, self._max_attempts + 1):
            try:
                response = self._http.post(
                    self._url,
                    data={"grant_type": "client_credentials"},
                    auth=self._auth,
                    timeout=self._timeout_s,
                )
            except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
                # a configuration error, not a network one: retrying cannot help
                raise GenesysConfigError(f"the login base URL cannot be used ({type(exc).__name__}); check "
                                         "GENESYS_LOGIN_BASE_URL / GENESYS_API_BASE_URL / GENESYS_REGION") from None
            except httpx.TransportError as exc:
                last_exc = exc
                log.warning("POST %s: %s (attempt %d)", TOKEN_PATH, type(exc).__name__, attempt)
                self._clock.sleep(min(2.0**attempt * 0.25, 5.0))
                continue
            corr = response.headers.get("ININ-Correlation-Id", "")
            if response.status_code in (429, 502, 503, 504) and attempt < self._max_attempts:
                log.warning(
                    "POST %s -> %d corr=%s (attempt %d)", TOKEN_PATH, response.status_code, corr, attempt
                )
                retry_after = _float(response.headers.get("Retry-After"))
                self._clock.sleep(retry_after if retry_after is not None else min(2.0**attempt * 0.25, 5.0))
                continue
            if response.status_code != 200:
                message, code = _error_fields(response)
                raise GenesysAuthError("POST", TOKEN_PATH, response.status_code, message, code, corr)
            body = response.json()
            expires_in = float(body.get("expires_in", 86399))
            self._token = str(body["access_token"])
            margin = min(self._renew_margin_s, expires_in / 10)
            self._expires_at = self._clock.monotonic() + expires_in - margin
            self.fetches += 1
            log.info("POST %s -> 200, token valid for %ds corr=%s", TOKEN_PATH, int(expires_in), corr)
            return
        raise GenesysTransportError("POST", TOKEN_PATH, self._max_attempts, last_exc or RuntimeError())


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _error_fields(response: httpx.Response) -> tuple[str, str]:
    """The API's ``message`` and ``code`` from an error body (empty when not JSON)."""
    try:
        body = response.json()
    except ValueError:
        return "", ""
    if not isinstance(body, dict):
        return "", ""
    return str(body.get("message") or body.get("error_description") or ""), str(
        body.get("code") or body.get("error") or ""
    )
