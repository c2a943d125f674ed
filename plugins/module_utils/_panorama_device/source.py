# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Panorama device jobs: the job source (DescribeDeviceJob, ListDevicesJobs) and the info handler."""
from __future__ import annotations

import typing as t

from ansible_collections.jobgate.cloud.plugins.module_utils._aws.client import AwsClient
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.settings import AWS_ARG_SPEC
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.source import AwsJobSource
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import bad_input
from ansible_collections.jobgate.cloud.plugins.module_utils._core.result import info_handler
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import Selection, fetch_many, select_ids
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama.service import DEVICE_ID, JOB_ID, strip_metadata
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama_device.status import PROVIDER


# panorama_device_job_info's options (the module adds the wait options); the event source takes the same.
INFO_ARG_SPEC: dict = dict(
    job_id=dict(type="str"),
    job_ids=dict(type="list", elements="str"),
    device_id=dict(type="str"),
    **AWS_ARG_SPEC,
)


class PanoramaDeviceJobSource(AwsJobSource):
    provider = PROVIDER
    id_label = "Panorama device job"
    service = "panorama"

    def __init__(self, client: AwsClient, device_id: str | None = None) -> None:
        super().__init__(client)
        self.device_id = device_id

    def describe(self, job_id: str) -> dict:
        out = self.client.call("describe_device_job", action="get", what=f"Panorama device job {job_id}", JobId=job_id)
        return strip_metadata(out)

    def _listed(self) -> dict:
        """{job id: ListDevicesJobs entry}, in the list's order."""
        what = f"Panorama device jobs of device {self.device_id}" if self.device_id else "Panorama device jobs"
        listed: dict = {}
        for job in self.client.paginate("list_devices_jobs", "DeviceJobs", action="list", what=what,
                                        DeviceId=self.device_id):
            if job.get("JobId"):
                listed.setdefault(job["JobId"], job)
        return listed

    def list_jobs(self) -> list:
        # ListDevicesJobs has no status: describe each listed job so every entry has a real one.
        return fetch_many(self, list(self._listed()))

    def list_since(self, since: t.Any = None, known: t.Collection = ()) -> list:
        """Every listed job, describing only those not ``known``: a poller that saw a job end needs no status of
        it again, and a device's job history only grows."""
        listed = self._listed()
        fresh = [job_id for job_id in listed if job_id not in known]
        described = dict(zip(fresh, fetch_many(self, fresh)))
        return [described.get(job_id, entry) for job_id, entry in listed.items()]


def select_jobs(params: t.Mapping) -> Selection:
    """panorama_device_job_info's options (and the event source's) checked, before any request."""
    ids = select_ids(params, "job_id", "job_ids", check=JOB_ID.check)
    device_id = params.get("device_id")
    if device_id is not None:
        if ids is not None:
            raise bad_input("Option device_id filters list mode; it cannot be combined with job_id or job_ids.")
        DEVICE_ID.check("device_id", device_id)
    return Selection(ids, PanoramaDeviceJobSource.factory(params, device_id=device_id))


# The handler of panorama_device_job_info: the kind's selection, then the first look and the wait (``_core.result.run_jobs``).
device_job_info: t.Callable[[t.Any], dict] = info_handler(select_jobs)
