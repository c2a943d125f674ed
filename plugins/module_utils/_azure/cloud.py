# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure cloud environments: the known clouds by name, or an Azure Stack style metadata document."""
from __future__ import annotations

import typing as t
from dataclasses import dataclass
from urllib.parse import urlsplit

from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError, bad_input


@dataclass
class CloudEndpoints:
    name: str
    resource_manager: str      # https://management.azure.com (no trailing slash)
    authority: str             # https://login.microsoftonline.com (no trailing slash)
    scope: str                 # https://management.azure.com/.default
    microsoft_authority: bool = True   # False: instance discovery must be off


KNOWN_CLOUDS = {
    "azurecloud": CloudEndpoints("AzureCloud", "https://management.azure.com", "https://login.microsoftonline.com",
                                 "https://management.azure.com/.default"),
    "azureusgovernment": CloudEndpoints("AzureUSGovernment", "https://management.usgovcloudapi.net",
                                        "https://login.microsoftonline.us", "https://management.usgovcloudapi.net/.default"),
    "azurechinacloud": CloudEndpoints("AzureChinaCloud", "https://management.chinacloudapi.cn",
                                      "https://login.chinacloudapi.cn", "https://management.chinacloudapi.cn/.default"),
}
# Names other tools use for the same clouds.
KNOWN_CLOUDS["azurepubliccloud"] = KNOWN_CLOUDS["azurecloud"]
KNOWN_CLOUDS["azureusgovernmentcloud"] = KNOWN_CLOUDS["azureusgovernment"]

MICROSOFT_AUTHORITY_HOSTS = ("login.microsoftonline.com", "login.microsoftonline.us", "login.chinacloudapi.cn",
                             "login.microsoft.com", "login.windows.net", "login.partner.microsoftonline.cn")

METADATA_API_VERSION = "1.0"


def is_microsoft_authority(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in MICROSOFT_AUTHORITY_HOSTS


def metadata_url(arm_url: str) -> str:
    return arm_url.rstrip("/") + f"/metadata/endpoints?api-version={METADATA_API_VERSION}"


def cloud_from_metadata(arm_url: str, document: t.Any) -> CloudEndpoints:
    """Endpoints from an Azure Stack style metadata document (``GET {arm}/metadata/endpoints?api-version=1.0``)."""
    try:
        auth = document["authentication"]
        login = auth["loginEndpoint"]
        audience = auth["audiences"][0]
    except (KeyError, IndexError, TypeError):
        raise JobGateError(f"The metadata document of {arm_url} lacks authentication.loginEndpoint or "
                           "authentication.audiences.", code="InvalidCloudMetadata") from None
    if not (isinstance(login, str) and login.startswith("https://")) or not isinstance(audience, str) or not audience:
        raise JobGateError(f"The metadata document of {arm_url} has no https login endpoint or no audience.",
                           code="InvalidCloudMetadata")
    return CloudEndpoints(name=arm_url.rstrip("/"), resource_manager=arm_url.rstrip("/"), authority=login.rstrip("/"),
                          # audience + "/.default" as is: an audience with a trailing slash gives "//.default",
                          # which is what Entra ID expects for such v1 resource ids.
                          scope=audience + "/.default", microsoft_authority=is_microsoft_authority(login))


def resolve_cloud(cloud_environment: str, fetch_json: t.Callable[[str], t.Any] | None = None) -> CloudEndpoints:
    """A known cloud by name, or an https Resource Manager URL read through its metadata document."""
    known = KNOWN_CLOUDS.get((cloud_environment or "AzureCloud").strip().lower())
    if known is not None:
        return known
    parts = urlsplit(cloud_environment)
    if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment or parts.username:
        names = ", ".join(c.name for c in {id(c): c for c in KNOWN_CLOUDS.values()}.values())
        raise bad_input(f"cloud_environment must be one of {names} or the https URL of a Resource Manager "
                        f"endpoint, not {cloud_environment!r}.")
    if fetch_json is None:
        raise ValueError("fetch_json is required for a Resource Manager URL")
    return cloud_from_metadata(cloud_environment, fetch_json(metadata_url(cloud_environment)))
