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


def _backup_api_kind(name: str, noun: str, title: str, list_filters: tuple, pass_role: str,
                     pass_role_when: str = "") -> Kind:
    """A kind of the AWS Backup API's jobs (backup, restore, copy, scan), which names everything alike for each:
    DescribeCopyJob, ListCopyJobs and StartCopyJob; copy_job_id; the modules copy_job_info and copy_job."""
    describe, listing = _aws("backup", f"Describe{noun}Job"), _aws("backup", f"List{noun}Jobs")
    return Kind(
        name=name, cloud="aws", service="backup", title=title, package=f"_{name}", info_module=f"{name}_info",
        start_module=name, id_option=Option(f"{name}_id", ("job_id",)), ids_option=Option("job_ids"),
        list_filters=list_filters,
        info_actions=(Action(describe, "read each job"), Action(listing, "list jobs", _LIST_WHEN)),
        start_actions=(
            Action(_aws("backup", f"Start{noun}Job"), "start the job"),
            Action(_PASS_ROLE, pass_role, pass_role_when),
            Action(listing, "tell a new job from an earlier run's", "with O(idempotency_token)"),
            Action(describe, "read the job it starts"),
        ),
    )


def _hci_kind(name: str, title: str, info_module: str, start_module: str, ids: tuple, location_options: tuple,
              info_actions: tuple, start_actions: tuple) -> Kind:
    """A kind of Microsoft.AzureStackHCI's resources: its package is _ + its name, and its one-id and many-ids
    options (``ids``: the resource's own names, e.g. job_name and job_names) take job_id and job_ids as aliases,
    the names every kind answers to."""
    one, many = ids
    return Kind(
        name=name, cloud="azure", service="Microsoft.AzureStackHCI", title=title, package=f"_{name}",
        info_module=info_module, start_module=start_module,
        id_option=Option(one, ("job_id",)), ids_option=Option(many, ("job_ids",)),
        location_options=location_options, info_actions=info_actions, start_actions=start_actions,
    )


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
    _hci_kind(
        "hci_edge_device", "Azure Local (Azure Stack HCI) edge device jobs", "hci_edge_device_job_info",
        "hci_edge_device_job", ("job_name", "job_names"), ("resource_uri", "edge_device_name", "api_version"),
        info_actions=(
            Action(f"{_HCI_JOBS}/read", "read and list the edge device's jobs"),
        ),
        start_actions=(
            Action(f"{_HCI_JOBS}/write", "start the job (PUT)"),
            Action(f"{_HCI_JOBS}/read", "find a job of the same name, read the job it starts"),
            Action(_HCI_OPERATIONS, "follow the PUT's long-running operation (its Azure-AsyncOperation URL)"),
        ),
    ),
    _backup_api_kind("backup_job", "Backup", "AWS Backup backup jobs",
                     ("resource_arn", "state", "backup_vault_name", "resource_type") + _BACKUP_TIME_FILTERS,
                     "pass O(iam_role_arn) to AWS Backup"),
    _backup_api_kind("restore_job", "Restore", "AWS Backup restore jobs",
                     ("status", "resource_type") + _BACKUP_TIME_FILTERS,
                     "pass O(iam_role_arn) to AWS Backup", "with O(iam_role_arn)"),
    _backup_api_kind("copy_job", "Copy", "AWS Backup copy jobs",
                     ("state", "resource_arn", "resource_type", "destination_vault_arn", "source_recovery_point_arn",
                      "parent_job_id") + _BACKUP_TIME_FILTERS,
                     "pass O(iam_role_arn) to AWS Backup"),
    _backup_api_kind("scan_job", "Scan", "AWS Backup malware scan jobs",
                     ("state", "backup_vault_name", "recovery_point_arn", "resource_arn", "resource_type",
                      "scan_result_status", "completed_after", "completed_before"),
                     "pass O(iam_role_arn) and O(scanner_role_arn) to AWS Backup"),
    _hci_kind(
        "hci_update_run", "Azure Local (Azure Stack HCI) update runs", "hci_update_run_info", "hci_update",
        ("run_name", "run_names"), ("cluster_id", "update_name", "api_version"),
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
