"""Genesys Cloud API client: OAuth client credentials, rate limits, retries, region hosts."""

from loaders.genesys.client import ClientStats, GenesysClient
from loaders.genesys.clock import Clock, FakeClock, SystemClock
from loaders.genesys.config import GenesysSettings
from loaders.genesys.errors import (
    GenesysApiError,
    GenesysAuthError,
    GenesysConfigError,
    GenesysError,
    GenesysPathError,
    GenesysTransportError,
)
from loaders.genesys.paths import check_api_path, segment, segment_problem
from loaders.genesys.regions import REGIONS, RegionHosts, region_hosts

__all__ = [
    "REGIONS",
    "ClientStats",
    "Clock",
    "FakeClock",
    "GenesysApiError",
    "GenesysAuthError",
    "GenesysClient",
    "GenesysConfigError",
    "GenesysError",
    "GenesysPathError",
    "GenesysSettings",
    "GenesysTransportError",
    "RegionHosts",
    "SystemClock",
    "check_api_path",
    "region_hosts",
    "segment",
    "segment_problem",
]
