"""Client settings: where the API is and who we are. Credentials only from the environment."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from loaders.genesys.errors import GenesysConfigError
from loaders.genesys.regions import login_url_for_api, region_hosts

DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class GenesysSettings:
    api_base_url: str
    login_base_url: str
    client_id: str = field(repr=False)
    client_secret: str = field(repr=False)
    timeout_s: float = 30.0
    requests_per_minute: int = 300
    rate_window_s: float = 60.0

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] | None = None,
        *,
        region: str | None = None,
        api_base_url: str | None = None,
        login_base_url: str | None = None,
        **overrides: float | int,
    ) -> GenesysSettings:
        """Build settings from ``GENESYS_*`` environment variables and explicit arguments.

        Precedence: explicit argument, then ``GENESYS_API_BASE_URL`` / ``GENESYS_LOGIN_BASE_URL``, then
        ``GENESYS_REGION`` (default us-east-1). Credentials come only from ``GENESYS_CLIENT_ID`` and
        ``GENESYS_CLIENT_SECRET``.
        """
        env = os.environ if env is None else env
        api_source = "the api_base_url argument" if api_base_url else "GENESYS_API_BASE_URL"
        login_source = "the login_base_url argument" if login_base_url else "GENESYS_LOGIN_BASE_URL"
        api = (api_base_url or env.get("GENESYS_API_BASE_URL") or "").strip()
        login = (login_base_url or env.get("GENESYS_LOGIN_BASE_URL") or "").strip()
        if api:
            check_base_url(api_source, api)
        if login:
            check_base_url(login_source, login)
        for name, key, kind in (("GENESYS_REQUESTS_PER_MINUTE", "requests_per_minute", int),
                                ("GENESYS_RATE_WINDOW_S", "rate_window_s", float)):
            if key not in overrides and (env.get(name) or "").strip():
                overrides[key] = _positive(name, env[name], kind)
        for key, value in overrides.items():
            if key in ("requests_per_minute", "rate_window_s", "timeout_s"):
                _positive(f"the {key} setting", value, int if key == "requests_per_minute" else float)
        if not api:
            try:
                hosts = region_hosts(region or env.get("GENESYS_REGION") or DEFAULT_REGION)
            except ValueError as exc:
                raise GenesysConfigError(str(exc)) from None
            api = hosts.api_base_url
            login = login or hosts.login_base_url
        if not login:
            login = login_url_for_api(api) if "//api." in api else api
        client_id = env.get("GENESYS_CLIENT_ID", "")
        client_secret = env.get("GENESYS_CLIENT_SECRET", "")
        if not client_id or not client_secret:
            raise GenesysConfigError(
                "GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET must be set in the environment"
            )
        return cls(
            api_base_url=api.rstrip("/"),
            login_base_url=login.rstrip("/"),
            client_id=client_id,
            client_secret=client_secret,
            **overrides,  # type: ignore[arg-type]
        )


def check_base_url(source: str, value: str) -> None:
    """Refuse a base URL that is not ``http(s)://host[:port][/path]`` (no query, fragment, credentials or
    spaces), naming where it came from and the value (a URL is not a secret). Raised before any request, so
    a typo is never retried as a network error."""
    problem = ""
    try:
        parts = urlsplit(value)
        port = parts.port  # raises on a port that is not a number
    except ValueError:
        parts, port, problem = None, None, "it does not parse as a URL"
    if parts is not None:
        if any(c.isspace() for c in value):
            problem = "it contains spaces"
        elif parts.scheme not in ("http", "https"):
            problem = ("it has no scheme" if not parts.scheme or "://" not in value
                       else f"the scheme {parts.scheme!r} is not http or https")
        elif not parts.hostname:
            problem = "it has no host"
        elif parts.username or parts.password:
            problem = "it carries credentials"
        elif parts.query or parts.fragment or "?" in value or "#" in value:
            problem = "it has a query string or fragment"
        elif port == 0:
            problem = "its port is 0"
    if problem:
        raise GenesysConfigError(
            f"{source} must be a base URL such as https://api.mypurecloud.com, got {value!r}: {problem}"
        )


def _positive(source: str, value: object, kind: type) -> float | int:
    """A positive number of ``kind`` from ``value``, or a config error naming ``source`` and the value."""
    try:
        number = kind(str(value).strip()) if isinstance(value, str) else kind(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not math.isfinite(number) or number <= 0:
        raise GenesysConfigError(f"{source} must be a positive {'whole ' if kind is int else ''}number, "
                                 f"got {value!r}")
    return number
