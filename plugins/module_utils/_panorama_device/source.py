# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Panorama device jobs: the job source (DescribeDeviceJob, ListDevicesJobs) and the info handler."""
from __future__ import annotations

import typing as t

from ansible_collections.jobgate.cloud.plugins.module_utils._aws.client import AwsClient
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.settings import resolve_settings
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import bad_input
from ansible_collections.jobgate.cloud.plugins.module_utils._core.result import collect
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import JobSource, fetch_many, select_ids
from ansible_collections.jobgate.cloud.plugins.module_utils._core.waiter import validate_wait
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama.service import DEVICE_ID, JOB_ID, strip_metadata
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama_device.status import PROVIDER


class PanoramaDeviceJobSource(JobSource):
    provider = PROVIDER
    id_label = "Panorama device job"

    def __init__(self, client: AwsClient, device_id: str | None = None) -> None:
        self.client = client
        self.device_id = device_id

    def describe(self, job_id: str) -> dict:
        out = self.client.call("describe_device_job", action="get", what=f"Panorama device job {job_id}", JobId=job_id)
        return strip_metadata(out)

    def list_jobs(self) -> list:
        what = f"Panorama device jobs of device {self.device_id}" if self.device_id else "Panorama device jobs"
        listed = self.client.paginate("list_devices_jobs", "DeviceJobs", action="list", what=what, DeviceId=self.device_id)
        ids: list = []
        for job in listed:
            job_id = job.get("JobId")
            if job_id and job_id not in ids:
                ids.append(job_id)
        # ListDevicesJobs has no status: describe each listed job so every entry has a real one.
        return fetch_many(self, ids)

    def location(self) -> str:
        return self.client.location()


def device_job_info(module: t.Any) -> dict:
    """Handler of panorama_device_job_info: validate everything, then build the client and collect."""
    params = module.params
    ids = select_ids(params, "job_id", "job_ids")
    for job_id in ids or ():
        JOB_ID.check("job_id" if params.get("job_id") is not None else "job_ids", job_id)
    device_id = params.get("device_id")
    if device_id is not None:
        if ids is not None:
            raise bad_input("Option device_id filters list mode; it cannot be combined with job_id or job_ids.")
        DEVICE_ID.check("device_id", device_id)
    validate_wait(params)
    settings = resolve_settings(params)
    source = PanoramaDeviceJobSource(AwsClient(settings, "panorama"), device_id=device_id)
    return collect(source, ids, params)
