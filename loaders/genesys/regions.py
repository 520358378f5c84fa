"""Genesys Cloud region hosts (API base and login host per region)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RegionHosts:
    region: str
    api_base_url: str
    login_base_url: str


# region -> API domain; the login host is the API host with ``api.`` replaced by ``login.``.
_REGION_DOMAINS: dict[str, str] = {
    "us-east-1": "mypurecloud.com",
    "us-east-2": "use2.us-gov-pure.cloud",
    "us-west-2": "usw2.pure.cloud",
    "ca-central-1": "cac1.pure.cloud",
    "sa-east-1": "sae1.pure.cloud",
    "mx-central-1": "mxc1.pure.cloud",
    "eu-west-1": "mypurecloud.ie",
    "eu-west-2": "euw2.pure.cloud",
    "eu-central-1": "mypurecloud.de",
    "eu-central-2": "euc2.pure.cloud",
    "eusc-de-east-1": "edee1.eusc-pure.cloud",
    "me-central-1": "mec1.pure.cloud",
    "ap-south-1": "aps1.pure.cloud",
    "ap-southeast-1": "apse1.pure.cloud",
    "ap-southeast-2": "mypurecloud.com.au",
    "ap-northeast-1": "mypurecloud.jp",
    "ap-northeast-2": "apne2.pure.cloud",
    "ap-northeast-3": "apne3.pure.cloud",
}

REGIONS: dict[str, RegionHosts] = {
    region: RegionHosts(region, f"https://api.{domain}", f"https://login.{domain}")
    for region, domain in _REGION_DOMAINS.items()
}


def region_hosts(region: str) -> RegionHosts:
    """Hosts for a region name (``eu-west-1``) or its API domain (``mypurecloud.ie``)."""
    key = region.strip().lower()
    if key in REGIONS:
        return REGIONS[key]
    for hosts in REGIONS.values():
        if hosts.api_base_url.endswith("//api." + key) or key in (
            hosts.api_base_url,
            hosts.api_base_url.removeprefix("https://"),
        ):
            return hosts
    known = ", ".join(sorted(REGIONS))
    raise ValueError(f"unknown Genesys Cloud region {region!r}; known regions: {known}")


def login_url_for_api(api_base_url: str) -> str:
    """The login host that belongs to an API host (``https://api.X`` -> ``https://login.X``)."""
    return api_base_url.replace("//api.", "//login.", 1)
