# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the Azure kinds' job sources share: one ArmClient, one api-version, one ARM scope the jobs are under; and
the shape of their info modules' options."""
from __future__ import annotations

from ansible_collections.jobgate.cloud.plugins.module_utils._azure.arm import ArmClient
from ansible_collections.jobgate.cloud.plugins.module_utils._azure.credentials import AZURE_ARG_SPEC
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import JobSource

# The start of an ARM id, to which a kind's pattern adds its resource's path: the subscription (a GUID) and the
# resource group (letters, digits, underscores, hyphens, periods, parentheses, 1-90, not ending in a period).
ARM_GROUP_PREFIX = (r"^/subscriptions/(?P<subscription>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                    r"[0-9a-fA-F]{12})/resourceGroups/(?P<group>[-\w.()]{0,89}[-\w()])")


def info_arg_spec(one: str, many: str, api_version: str, **location: dict) -> dict:
    """An info module's options (the module adds the wait options; the event source takes the same): one job name
    (alias job_id), many (alias job_ids), where the jobs are, the api-version (``api_version`` its default), the
    Azure connection options."""
    spec = {one: dict(type="str", aliases=["job_id"]), many: dict(type="list", elements="str", aliases=["job_ids"])}
    return dict(spec, **location, api_version=dict(type="str", default=api_version), **AZURE_ARG_SPEC)


class ArmJobSource(JobSource):
    """A JobSource over one ArmClient. ``scope`` says where the jobs are, as ARM path segments with the names
    lower-cased (ARM ids compare case-insensitively; the subscription in the id makes it unique across tenants);
    subclasses check their options before calling this and implement describe, list_jobs and location."""

    def __init__(self, client: ArmClient, api_version: str, scope: str) -> None:
        self.client = client
        self.api_version = api_version
        self.scope = scope

    def location_key(self) -> str:
        return f"azure{self.scope}"

    def _params(self) -> dict:
        return {"api-version": self.api_version}
