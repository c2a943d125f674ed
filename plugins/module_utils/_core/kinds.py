# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The registry of kinds: every kind of job declared once, as data.

A kind's name (its provider, as in ``normalized.provider``), cloud and service, its info and start modules, the
options that select its jobs, where its status table lives and the API actions a user must allow for each of its
modules. Everything else that lists kinds is derived from this (``_core/states.py`` PROVIDERS, ``_eda/kinds.py``,
``tools/docs.py``'s permissions blocks and docs/permissions.md) or checked against it by a unit test that fails on
drift (meta/runtime.yml, the event source's and the role's choices, tools/returns.yml, the info modules' argument
specs, the actions against botocore's service models).

This module imports nothing of the collection, so any module_utils, plugin, tool or test can import it without a
cycle; the kinds' own packages are imported by name only where asked for (``status_table``, ``source_module``).
"""
from __future__ import annotations

import importlib
import typing as t
from dataclasses import dataclass

PACKAGE = "ansible_collections.jobgate.cloud.plugins.module_utils"
CLOUDS = ("aws", "azure")


class Option(t.NamedTuple):
    """An option of the info module (and the event source), with its aliases."""

    name: str
    aliases: tuple = ()


class Action(t.NamedTuple):
    """One API action (IAM or Azure RBAC) a module calls, what for, and when it is needed if not always.

    ``why`` and ``when`` are documentation text (Ansible markup: O(), V(), C()); tools/docs.py writes them into the
    modules' notes and docs/permissions.md.
    """

    name: str
    why: str
    when: str = ""


@dataclass(frozen=True)
class Kind:
    name: str                    # the provider name: normalized.provider, the event source's and the role's kind
    cloud: str                   # "aws" or "azure": the connection options and the action group
    service: str                 # botocore's service name, or the Azure resource provider namespace
    title: str                   # what the jobs are called in docs, e.g. "AWS Backup report jobs"
    package: str                 # the module_utils package that implements the kind, e.g. "_backup_report"
    info_module: str
    start_module: str
    id_option: Option            # one job
    ids_option: Option           # many jobs
    location_options: tuple = ()  # options beyond the connection that say where the jobs are (besides the ids)
    list_filters: tuple = ()     # info options that narrow list mode (and the event source's list mode)
    info_actions: tuple = ()     # Actions the info module calls
    start_actions: tuple = ()    # Actions the start module calls (its reads too)

    @property
    def modules(self) -> dict:
        return {"info": self.info_module, "start": self.start_module}

    @property
    def status_module(self) -> str:
        """The module that holds the kind's status table ``STATUS`` and its ``normalize`` (``unwrap`` if any)."""
        return f"{PACKAGE}.{self.package}.status"

    @property
    def source_module(self) -> str:
        """The module with the kind's INFO_ARG_SPEC and select_jobs (the info module's and the event source's)."""
        return f"{PACKAGE}.{self.package}.source"

    def status_table(self) -> dict:
        """The contract's status table (native status -> state), from the kind's status module."""
        return importlib.import_module(self.status_module).STATUS

    def actions(self, flavour: str) -> tuple:
        """The Actions of the ``info`` or ``start`` module."""
        return self.info_actions if flavour == "info" else self.start_actions

    def option_names(self) -> set:
        """Every selection option of the info module besides the connection and wait options."""
        names = {self.id_option.name, *self.id_option.aliases, self.ids_option.name, *self.ids_option.aliases}
        return names | set(self.location_options) | set(self.list_filters)


def _aws(service: str, operation: str) -> str:
    return f"{service}:{operation}"


_PASS_ROLE = "iam:PassRole"
_HCI_JOBS = "Microsoft.AzureStackHCI/edgeDevices/jobs"
_HCI_UPDATES = "Microsoft.AzureStackHCI/clusters/updates"
_HCI_OPERATIONS = "Microsoft.AzureStackHCI/locations/operationStatuses/read"
_BACKUP_TIME_FILTERS = ("created_after", "created_before")
# A list the caller may not use only costs requests with many ids: they are then described one by one.
_LIST_WHEN = "in list mode; with 4 or more ids it saves requests, and without it they are described one by one"

_DECLARED = (
    Kind(
        name="panorama_device", cloud="aws", service="panorama", title="AWS Panorama device jobs",
        package="_panorama_device", info_module="panorama_device_job_info", start_module="panorama_device_job",
        id_option=Option("job_id"), ids_option=Option("job_ids"),
        list_filters=("device_id",),
        info_actions=(
            Action(_aws("panorama", "DescribeDeviceJob"), "read each job"),
            Action(_aws("panorama", "ListDevicesJobs"), "list jobs", "in list mode"),
        ),
        start_actions=(
            Action(_aws("panorama", "CreateJobForDevices"), "start the job"),
            Action(_aws("panorama", "DescribeDevice"), "read each device's software version", "with O(job_type=OTA)"),
            Action(_aws("panorama", "ListDevicesJobs"), "find an open OTA job of the device", "with O(job_type=OTA)"),
            Action(_aws("panorama", "DescribeDeviceJob"), "read the jobs it finds or starts"),
        ),
    ),
    Kind(
        name="panorama_package_import", cloud="aws", service="panorama", title="AWS Panorama package import jobs",
        package="_panorama_package_import", info_module="panorama_package_import_job_info",
        start_module="panorama_package_import_job",
        id_option=Option("job_id"), ids_option=Option("job_ids"),
        info_actions=(
            Action(_aws("panorama", "DescribePackageImportJob"), "read each job"),
            Action(_aws("panorama", "ListPackageImportJobs"), "list jobs", _LIST_WHEN),
        ),
        start_actions=(
            Action(_aws("panorama", "CreatePackageImportJob"), "start the job"),
            Action(_aws("panorama", "ListPackageImportJobs"), "tell a new job from an earlier run's"),
            Action(_aws("panorama", "DescribePackageImportJob"), "read the job it finds or starts"),
        ),
    ),
    Kind(
        name="backup_report", cloud="aws", service="backup", title="AWS Backup report jobs",
        package="_backup_report", info_module="backup_report_job_info", start_module="backup_report_job",
        id_option=Option("report_job_id", ("job_id",)), ids_option=Option("job_ids"),
        list_filters=("report_plan_name", "status") + _BACKUP_TIME_FILTERS,
        info_actions=(
            Action(_aws("backup", "DescribeReportJob"), "read each job"),
            Action(_aws("backup", "ListReportJobs"), "list jobs", _LIST_WHEN),
        ),
        start_actions=(
            Action(_aws("backup", "StartReportJob"), "start the job"),
            Action(_aws("backup", "ListReportJobs"), "tell a new job from an earlier run's", "with O(idempotency_token)"),
            Action(_aws("backup", "DescribeReportJob"), "read the job it starts"),
        ),
    ),
    Kind(
        name="hci_edge_device", cloud="azure", service="Microsoft.AzureStackHCI",
        title="Azure Local (Azure Stack HCI) edge device jobs",
        package="_hci_edge_device", info_module="hci_edge_device_job_info", start_module="hci_edge_device_job",
        id_option=Option("job_name", ("job_id",)), ids_option=Option("job_names", ("job_ids",)),
        location_options=("resource_uri", "edge_device_name", "api_version"),
        info_actions=(
            Action(f"{_HCI_JOBS}/read", "read and list the edge device's jobs"),
        ),
        start_actions=(
            Action(f"{_HCI_JOBS}/write", "start the job (PUT)"),
            Action(f"{_HCI_JOBS}/read", "find a job of the same name, read the job it starts"),
            Action(_HCI_OPERATIONS, "follow the PUT's long-running operation (its Azure-AsyncOperation URL)"),
        ),
    ),
    Kind(
        name="backup_job", cloud="aws", service="backup", title="AWS Backup backup jobs",
        package="_backup_job", info_module="backup_job_info", start_module="backup_job",
        id_option=Option("backup_job_id", ("job_id",)), ids_option=Option("job_ids"),
        list_filters=("resource_arn", "state", "backup_vault_name", "resource_type") + _BACKUP_TIME_FILTERS,
        info_actions=(
            Action(_aws("backup", "DescribeBackupJob"), "read each job"),
            Action(_aws("backup", "ListBackupJobs"), "list jobs", _LIST_WHEN),
        ),
        start_actions=(
            Action(_aws("backup", "StartBackupJob"), "start the job"),
            Action(_PASS_ROLE, "pass O(iam_role_arn) to AWS Backup"),
            Action(_aws("backup", "ListBackupJobs"), "tell a new job from an earlier run's", "with O(idempotency_token)"),
            Action(_aws("backup", "DescribeBackupJob"), "read the job it starts"),
        ),
    ),
    Kind(
        name="restore_job", cloud="aws", service="backup", title="AWS Backup restore jobs",
        package="_restore_job", info_module="restore_job_info", start_module="restore_job",
        id_option=Option("restore_job_id", ("job_id",)), ids_option=Option("job_ids"),
        list_filters=("status", "resource_type") + _BACKUP_TIME_FILTERS,
        info_actions=(
            Action(_aws("backup", "DescribeRestoreJob"), "read each job"),
            Action(_aws("backup", "ListRestoreJobs"), "list jobs", _LIST_WHEN),
        ),
        start_actions=(
            Action(_aws("backup", "StartRestoreJob"), "start the job"),
            Action(_PASS_ROLE, "pass O(iam_role_arn) to AWS Backup",
                   "with O(iam_role_arn)"),
            Action(_aws("backup", "ListRestoreJobs"), "tell a new job from an earlier run's", "with O(idempotency_token)"),
            Action(_aws("backup", "DescribeRestoreJob"), "read the job it starts"),
        ),
    ),
    Kind(
        name="copy_job", cloud="aws", service="backup", title="AWS Backup copy jobs",
        package="_copy_job", info_module="copy_job_info", start_module="copy_job",
        id_option=Option("copy_job_id", ("job_id",)), ids_option=Option("job_ids"),
        list_filters=("state", "resource_arn", "resource_type", "destination_vault_arn", "source_recovery_point_arn",
                      "parent_job_id") + _BACKUP_TIME_FILTERS,
        info_actions=(
            Action(_aws("backup", "DescribeCopyJob"), "read each job"),
            Action(_aws("backup", "ListCopyJobs"), "list jobs", _LIST_WHEN),
        ),
        start_actions=(
            Action(_aws("backup", "StartCopyJob"), "start the job"),
            Action(_PASS_ROLE, "pass O(iam_role_arn) to AWS Backup"),
            Action(_aws("backup", "ListCopyJobs"), "tell a new job from an earlier run's", "with O(idempotency_token)"),
            Action(_aws("backup", "DescribeCopyJob"), "read the job it starts"),
        ),
    ),
    Kind(
        name="scan_job", cloud="aws", service="backup", title="AWS Backup malware scan jobs",
        package="_scan_job", info_module="scan_job_info", start_module="scan_job",
        id_option=Option("scan_job_id", ("job_id",)), ids_option=Option("job_ids"),
        list_filters=("state", "backup_vault_name", "recovery_point_arn", "resource_arn", "resource_type",
                      "scan_result_status", "completed_after", "completed_before"),
        info_actions=(
            Action(_aws("backup", "DescribeScanJob"), "read each job"),
            Action(_aws("backup", "ListScanJobs"), "list jobs", _LIST_WHEN),
        ),
        start_actions=(
            Action(_aws("backup", "StartScanJob"), "start the job"),
            Action(_PASS_ROLE, "pass O(iam_role_arn) and O(scanner_role_arn) to AWS Backup"),
            Action(_aws("backup", "ListScanJobs"), "tell a new job from an earlier run's", "with O(idempotency_token)"),
            Action(_aws("backup", "DescribeScanJob"), "read the job it starts"),
        ),
    ),
    Kind(
        name="hci_update_run", cloud="azure", service="Microsoft.AzureStackHCI",
        title="Azure Local (Azure Stack HCI) update runs",
        package="_hci_update_run", info_module="hci_update_run_info", start_module="hci_update",
        id_option=Option("run_name", ("job_id",)), ids_option=Option("run_names", ("job_ids",)),
        location_options=("cluster_id", "update_name", "api_version"),
        info_actions=(
            Action(f"{_HCI_UPDATES}/updateRuns/read", "read and list the update's runs"),
        ),
        start_actions=(
            Action(f"{_HCI_UPDATES}/read", "read the update's state (an Installed update starts nothing)"),
            Action(f"{_HCI_UPDATES}/apply/action", "apply the update (POST .../apply)",
                   "when the update is neither installed nor has a run in progress"),
            Action(f"{_HCI_UPDATES}/updateRuns/read", "find a run in progress, tell the new run from earlier ones, "
                                                      "read it"),
            Action(_HCI_OPERATIONS, "follow the apply's long-running operation (its Azure-AsyncOperation URL)",
                   "when it applies the update"),
        ),
    ),
)

# name -> Kind, in the order the kinds were added (the order of every list derived from it).
KINDS: dict = {kind.name: kind for kind in _DECLARED}
NAMES: tuple = tuple(KINDS)


def by_module(module: str) -> tuple:
    """(Kind, "info" or "start") of a module name; KeyError for a module that is no kind's."""
    for kind in _DECLARED:
        for flavour, name in kind.modules.items():
            if name == module:
                return kind, flavour
    raise KeyError(module)


def of_cloud(cloud: str) -> tuple:
    """The kinds of one cloud, in registry order."""
    return tuple(kind for kind in _DECLARED if kind.cloud == cloud)
