# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Panorama package import jobs: the job source (DescribePackageImportJob, ListPackageImportJobs) and the info
handler."""
from __future__ import annotations

import typing as t

from ansible_collections.jobgate.cloud.plugins.module_utils._aws.settings import AWS_ARG_SPEC
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.source import AwsJobSource
from ansible_collections.jobgate.cloud.plugins.module_utils._core.convert import to_datetime
from ansible_collections.jobgate.cloud.plugins.module_utils._core.result import info_handler
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import Selection, pick_from_pages, select_ids
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama.service import JOB_ID, strip_metadata
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama_package_import.status import PROVIDER

IMPORT_LIST_MAX_RESULTS = 25  # the model's maximum (MaxSize25) for ListPackageImportJobs

# panorama_package_import_job_info's options (the module adds the wait options); the event source takes the same.
INFO_ARG_SPEC: dict = dict(job_id=dict(type="str"), job_ids=dict(type="list", elements="str"), **AWS_ARG_SPEC)
# What a ListPackageImportJobs entry shares with DescribePackageImportJob and what changes while a job runs.
_IMPORT_CHANGE_KEYS = ("Status", "StatusMessage", "LastUpdatedTime")


def _same(left: t.Any, right: t.Any) -> bool:
    """Equal values; timestamps compared as instants (botocore gives datetimes, a hint may hold either)."""
    if left == right:
        return True
    when_left, when_right = to_datetime(left), to_datetime(right)
    return when_left is not None and when_left == when_right


class PanoramaPackageImportJobSource(AwsJobSource):
    provider = PROVIDER
    id_label = "Panorama package import job"
    service = "panorama"

    def describe(self, job_id: str) -> dict:
        out = self.client.call("describe_package_import_job", action="get", what=f"Panorama package import job {job_id}",
                               JobId=job_id)
        return strip_metadata(out)

    def fetch_batch(self, ids: list, hints: dict) -> dict:
        """Jobs whose list entry shows no change since they were last described: their last description.

        ListPackageImportJobs entries lack InputConfig, OutputConfig, Output, JobTags and ClientToken, which a
        ``jobs`` entry carries from DescribePackageImportJob, so the list only tells which jobs changed (Status,
        StatusMessage or LastUpdatedTime differ): those, and any job never described in this run, are described.
        """
        known = {job_id: hints[job_id] for job_id in ids if hints.get(job_id)}
        if len(known) < 2:  # nothing to reuse: the list would only add a request
            return {}
        pages = self.client.pages("list_package_import_jobs", "PackageImportJobs", action="list",
                                  what=f"{len(ids)} Panorama package import jobs", MaxResults=IMPORT_LIST_MAX_RESULTS)
        listed = pick_from_pages(pages, known, lambda job: job.get("JobId"))
        unchanged = {}
        for job_id, entry in listed.items():
            last = known[job_id]
            if all(_same(entry.get(key), last.get(key)) for key in _IMPORT_CHANGE_KEYS):
                unchanged[job_id] = last
        return unchanged

    def list_jobs(self) -> list:
        # ListPackageImportJobs entries carry Status (and StatusMessage), so no describe is needed.
        return self.client.paginate("list_package_import_jobs", "PackageImportJobs", action="list",
                                    what="Panorama package import jobs")


def select_jobs(params: t.Mapping) -> Selection:
    """panorama_package_import_job_info's options (and the event source's) checked, before any request."""
    ids = select_ids(params, "job_id", "job_ids", check=JOB_ID.check)
    return Selection(ids, PanoramaPackageImportJobSource.factory(params))


# The handler of panorama_package_import_job_info: the kind's selection, then the first look and the wait (``_core.result.run_jobs``).
package_import_job_info: t.Callable[[t.Any], dict] = info_handler(select_jobs)
