"""The REST spec's definitions of EdgeDeviceJob (Azure/azure-rest-api-specs, specification/azurestackhci/
resource-manager/Microsoft.AzureStackHCI/StackHCI/preview/2024-09-01-preview/edgeDeviceJobs.json, hciCommon.json and
common-types v5 systemData), reduced to what a response check needs: members, required members, enums, formats."""
from __future__ import annotations

import re
from datetime import datetime

JOB_STATUS = {"NotSpecified", "ValidationInProgress", "ValidationSuccess", "ValidationFailed", "DeploymentInProgress",
              "DeploymentFailed", "DeploymentSuccess", "Succeeded", "Failed", "Canceled", "Paused", "Scheduled"}
PROVISIONING_STATE = {"Succeeded", "Failed", "Canceled", "NotSpecified", "Provisioning", "Updating", "Deleting", "Accepted"}
DEPLOYMENT_MODE = {"Validate", "Deploy"}
EDGE_DEVICE_KIND = {"HCI", "AzureLinux"}
JOB_TYPE = {"CollectLog", "RemoteSupport"}
ACCESS_LEVEL = {"None", "Diagnostics", "DiagnosticsAndRepair"}
REMOTE_SUPPORT_TYPE = {"Enable", "Revoke"}
CREATED_BY_TYPE = {"User", "Application", "ManagedIdentity", "Key"}

RESOURCE_MEMBERS = {"id", "name", "type", "systemData", "properties", "kind"}
COMMON_PROPERTIES = {"deploymentMode", "provisioningState", "jobId", "startTimeUtc", "endTimeUtc", "status", "jobType"}
TYPE_PROPERTIES = {
    "CollectLog": ({"fromDate", "toDate", "lastLogGenerated", "reportedProperties"}, {"fromDate", "toDate"}),
    "RemoteSupport": ({"accessLevel", "expirationTimestamp", "type", "reportedProperties"},
                      {"accessLevel", "expirationTimestamp", "type"}),
}
REPORTED = {"percentComplete", "validationStatus", "deploymentStatus"}
REPORTED_BY_TYPE = {"CollectLog": REPORTED | {"logCollectionSessionDetails"},
                    "RemoteSupport": REPORTED | {"nodeSettings", "sessionDetails"}}
ECE_ACTION_STATUS = {"status", "steps"}
STEP = {"name", "description", "fullStepIndex", "startTimeUtc", "endTimeUtc", "status", "steps", "exception"}
NODE_SETTINGS = {"state", "createdAt", "updatedAt", "connectionStatus", "connectionErrorMessage"}
SYSTEM_DATA = {"createdBy", "createdByType", "createdAt", "lastModifiedBy", "lastModifiedByType", "lastModifiedAt"}
DATE_TIME_PROPERTIES = {"startTimeUtc", "endTimeUtc", "fromDate", "toDate", "lastLogGenerated", "expirationTimestamp"}


def is_date_time(value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", value).replace("Z", "+00:00"))
        return True
    except ValueError:
        return False


def _members(obj, allowed, path, errors, required=()):
    if not isinstance(obj, dict):
        errors.append(f"{path}: want object")
        return False
    for key in obj:
        if key not in allowed:
            errors.append(f"{path}: member {key!r} not in the spec")
    for key in required:
        if key not in obj:
            errors.append(f"{path}: required member {key!r} missing")
    return True


def _enum(obj, key, values, path, errors):
    if key in obj and obj[key] not in values:
        errors.append(f"{path}.{key}: {obj[key]!r} not in {sorted(values)}")


def _steps(steps, path, errors):
    if not isinstance(steps, list):
        errors.append(f"{path}: want array")
        return
    for i, step in enumerate(steps):
        if _members(step, STEP, f"{path}[{i}]", errors):
            if "exception" in step and not all(isinstance(x, str) for x in step["exception"]):
                errors.append(f"{path}[{i}].exception: want array of strings")
            _steps(step.get("steps", []), f"{path}[{i}].steps", errors)


def check_job(job, path: str = "$") -> list:
    """Problems of one EdgeDeviceJob resource against the spec (empty list: it conforms)."""
    errors: list = []
    if not _members(job, RESOURCE_MEMBERS, path, errors, required=("kind",)):
        return errors
    _enum(job, "kind", EDGE_DEVICE_KIND, path, errors)
    props = job.get("properties")
    if job.get("kind") == "HCI" and props is None:
        errors.append(f"{path}: required member 'properties' missing for kind HCI")
    if props is None:
        return errors
    job_type = props.get("jobType") if isinstance(props, dict) else None
    if job_type not in JOB_TYPE:
        errors.append(f"{path}.properties.jobType: {job_type!r} not in {sorted(JOB_TYPE)}")
        return errors
    extra, required = TYPE_PROPERTIES[job_type]
    ppath = f"{path}.properties"
    _members(props, COMMON_PROPERTIES | extra, ppath, errors, required=("jobType",) + tuple(sorted(required)))
    _enum(props, "status", JOB_STATUS, ppath, errors)
    _enum(props, "provisioningState", PROVISIONING_STATE, ppath, errors)
    _enum(props, "deploymentMode", DEPLOYMENT_MODE, ppath, errors)
    _enum(props, "accessLevel", ACCESS_LEVEL, ppath, errors)
    _enum(props, "type", REMOTE_SUPPORT_TYPE, ppath, errors)
    for key in DATE_TIME_PROPERTIES & set(props):
        if not is_date_time(props[key]):
            errors.append(f"{ppath}.{key}: {props[key]!r} is not a date-time")
    reported = props.get("reportedProperties")
    if reported is not None and _members(reported, REPORTED_BY_TYPE[job_type], f"{ppath}.reportedProperties", errors):
        rpath = f"{ppath}.reportedProperties"
        pct = reported.get("percentComplete")
        if pct is not None and (isinstance(pct, bool) or not isinstance(pct, int)):
            errors.append(f"{rpath}.percentComplete: want int32")
        for key in ("validationStatus", "deploymentStatus"):
            if key in reported and _members(reported[key], ECE_ACTION_STATUS, f"{rpath}.{key}", errors):
                _steps(reported[key].get("steps", []), f"{rpath}.{key}.steps", errors)
        if "nodeSettings" in reported and _members(reported["nodeSettings"], NODE_SETTINGS, f"{rpath}.nodeSettings", errors):
            for key in ("createdAt", "updatedAt"):
                if key in reported["nodeSettings"] and not is_date_time(reported["nodeSettings"][key]):
                    errors.append(f"{rpath}.nodeSettings.{key}: not a date-time")
    system = job.get("systemData")
    if system is not None and _members(system, SYSTEM_DATA, f"{path}.systemData", errors):
        _enum(system, "createdByType", CREATED_BY_TYPE, f"{path}.systemData", errors)
        _enum(system, "lastModifiedByType", CREATED_BY_TYPE, f"{path}.systemData", errors)
        for key in ("createdAt", "lastModifiedAt"):
            if key in system and not is_date_time(system[key]):
                errors.append(f"{path}.systemData.{key}: not a date-time")
    return errors


def check_list(body) -> list:
    errors: list = []
    if not _members(body, {"value", "nextLink"}, "$", errors, required=("value",)):
        return errors
    for i, job in enumerate(body["value"]):
        errors += check_job(job, f"$.value[{i}]")
    if "nextLink" in body and not re.match(r"^https?://", body["nextLink"] or ""):
        errors.append("$.nextLink: want a uri")
    return errors


# UpdateRun and Update (stable/2025-10-01/updateRuns.json and updates.json): members and enums a response check needs.
UPDATE_RUN_MEMBERS = {"id", "name", "type", "systemData", "location", "properties"}
UPDATE_RUN_PROPERTIES = {"provisioningState", "timeStarted", "lastUpdatedTime", "duration", "state", "progress"}
UPDATE_RUN_STATE = {"Unknown", "Succeeded", "InProgress", "Failed"}
RUN_STEP = {"name", "description", "errorMessage", "status", "startTimeUtc", "endTimeUtc", "lastUpdatedTimeUtc",
            "expectedExecutionTime", "steps"}
UPDATE_PROPERTIES = {"provisioningState", "installedDate", "description", "minSbeVersionRequired", "state",
                     "prerequisites", "componentVersions", "rebootRequired", "healthState", "healthCheckResult",
                     "healthCheckDate", "packagePath", "packageSizeInMb", "displayName", "version", "publisher",
                     "releaseLink", "availabilityType", "packageType", "additionalProperties", "updateStateProperties"}
UPDATE_STATE = {"HasPrerequisite", "Obsolete", "Ready", "NotApplicableBecauseAnotherUpdateIsInProgress", "Preparing",
                "Installing", "Installed", "PreparationFailed", "InstallationFailed", "Invalid", "Recalled",
                "Downloading", "DownloadFailed", "HealthChecking", "HealthCheckFailed", "ReadyToInstall",
                "ScanInProgress", "ScanFailed", "AdditionalContentRequired"}


def _run_step(step, path, errors, depth=0):
    if not _members(step, RUN_STEP, path, errors):
        return
    for key in ("startTimeUtc", "endTimeUtc", "lastUpdatedTimeUtc"):
        if key in step and not is_date_time(step[key]):
            errors.append(f"{path}.{key}: not a date-time")
    for key in ("name", "description", "errorMessage", "status"):
        if key in step and not isinstance(step[key], str):
            errors.append(f"{path}.{key}: want string")
    children = step.get("steps", [])
    if not isinstance(children, list):
        errors.append(f"{path}.steps: want array")
        return
    for i, child in enumerate(children):
        _run_step(child, f"{path}.steps[{i}]", errors, depth + 1)


def check_update_run(run, path: str = "$") -> list:
    """Problems of one UpdateRun resource against the spec (empty list: it conforms)."""
    errors: list = []
    if not _members(run, UPDATE_RUN_MEMBERS, path, errors, required=("id", "name", "type")):
        return errors
    props = run.get("properties")
    if props is None:
        return errors
    ppath = f"{path}.properties"
    if _members(props, UPDATE_RUN_PROPERTIES, ppath, errors):
        _enum(props, "state", UPDATE_RUN_STATE, ppath, errors)
        _enum(props, "provisioningState", {"Succeeded", "Failed", "Canceled", "Accepted", "Provisioning"}, ppath, errors)
        for key in ("timeStarted", "lastUpdatedTime"):
            if key in props and not is_date_time(props[key]):
                errors.append(f"{ppath}.{key}: not a date-time")
        if "progress" in props:
            _run_step(props["progress"], f"{ppath}.progress", errors)
    return errors


def check_update_run_list(body) -> list:
    errors: list = []
    if not _members(body, {"value", "nextLink"}, "$", errors, required=("value",)):
        return errors
    for i, run in enumerate(body["value"]):
        errors += check_update_run(run, f"$.value[{i}]")
    if "nextLink" in body and not re.match(r"^https?://", body["nextLink"] or ""):
        errors.append("$.nextLink: want a uri")
    return errors


def check_update(update, path: str = "$") -> list:
    errors: list = []
    if not _members(update, UPDATE_RUN_MEMBERS, path, errors, required=("id", "name", "type")):
        return errors
    props = update.get("properties") or {}
    if _members(props, UPDATE_PROPERTIES, f"{path}.properties", errors):
        _enum(props, "state", UPDATE_STATE, f"{path}.properties", errors)
        _enum(props, "availabilityType", {"Local", "Online", "Notify"}, f"{path}.properties", errors)
        if "installedDate" in props and not is_date_time(props["installedDate"]):
            errors.append(f"{path}.properties.installedDate: not a date-time")
    return errors
