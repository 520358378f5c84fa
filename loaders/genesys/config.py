"""Client settings: where the API is and who we are. Credentials only from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

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
        api = api_base_url or env.get("GENESYS_API_BASE_URL") or ""
        login = login_base_url or env.get("GENESYS_LOGIN_BASE_URL") or ""
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
