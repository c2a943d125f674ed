"""Azure Local (Azure Stack HCI) cluster updates and their runs, an AzurePart of emulator/azure.py.

Faithful to the REST spec (azure-rest-api-specs, specification/azurestackhci/resource-manager/Microsoft.AzureStackHCI/
StackHCI/stable/2025-10-01/updates.json and updateRuns.json) for what it serves:
  Updates_Get          GET  {cluster}/updates/{update}                       -> Update
  Updates_Post         POST {cluster}/updates/{update}/apply                 -> 202, Azure-AsyncOperation, no body
  UpdateRuns_Get       GET  {cluster}/updates/{update}/updateRuns/{run}      -> UpdateRun
  UpdateRuns_List      GET  {cluster}/updates/{update}/updateRuns            -> {value, nextLink}
  OperationStatus      GET  /subscriptions/{sub}/providers/Microsoft.AzureStackHCI/locations/{loc}/operationStatuses/{op}
An UpdateRun's `properties.state` is Unknown, InProgress, Succeeded or Failed; its `progress` is the Step tree (name,
description, errorMessage, status Success|Error|InProgress|Unknown, startTimeUtc, endTimeUtc, lastUpdatedTimeUtc,
steps). Its resource `name` reads "update/run" (as the spec's example); its id ends in the run's name.

Runs are jobs of kind "hci_update_run" whose timelines are properties.state values; "NoState" renders a run without a
state. A timeline entry's message, on Failed, is the innermost step's errorMessage (the root cause); the steps above
it carry their own, shorter messages. The latest run of an update drives its state: Installing while
it runs, Installed once it succeeds, InstallationFailed once it fails. The apply answers 202 and its operation succeeds `apply_seconds` later (the run has
started by then); applying an Installed update, or one with a run in progress, is a 409.

Admin routes (under /_emulator):
  POST /azure/updates             {cluster_id, name, state?, version?, display_name?, installed_date?} (or
                                  {"updates": [...]}): add or replace a cluster's update (state default Ready);
                                  without cluster_id, {resource_group?, cluster?} of the emulator's subscription
                                  (default edge-rg, cluster-1)
  GET  /azure/updates             every update
  POST /azure/update-runs/continue {cluster_id, update_name, name, timeline}: the rest of a run's timeline, in seconds
                                  from now
POST /jobs {"kind": "hci_update_run", "cluster_id", "update_name", "name"?, "timeline"?, "created_ago"?,
"progress"? (a Step tree served as is)} seeds a run (and its update, state Installing, when missing).
"""
from __future__ import annotations

import re
import time
import uuid
from urllib.parse import quote

from emulator.azure import AzurePart, OPERATION_RE, arm_error, iso
from emulator.core import AdminError, Job, Request, Response, parse_timeline

KIND = "hci_update_run"
RUN_TYPE = "Microsoft.AzureStackHCI/clusters/updates/updateRuns"
UPDATE_TYPE = "Microsoft.AzureStackHCI/clusters/updates"
CLUSTER_PATH = (r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)"
                r"/providers/Microsoft\.AzureStackHCI/clusters/(?P<cluster>[^/]+)")
UPDATE_RE = re.compile(rf"^{CLUSTER_PATH}/updates/(?P<update>[^/]+)"
                       r"(?:/(?P<apply>apply)|/updateRuns(?:/(?P<run>[^/]+))?)?$", re.IGNORECASE)
RUN_STATES = {"unknown": "Unknown", "inprogress": "InProgress", "succeeded": "Succeeded", "failed": "Failed"}
TERMINAL = {"Succeeded", "Failed"}
# The Update's state enum (updates.json); the ones a run moves an update through are set by on_transition.
UPDATE_STATES = {"HasPrerequisite", "Obsolete", "Ready", "NotApplicableBecauseAnotherUpdateIsInProgress", "Preparing",
                 "Installing", "Installed", "PreparationFailed", "InstallationFailed", "Invalid", "Recalled",
                 "Downloading", "DownloadFailed", "HealthChecking", "HealthCheckFailed", "ReadyToInstall",
                 "ScanInProgress", "ScanFailed", "AdditionalContentRequired"}


def cluster_key(cluster_id: str) -> str:
    return "/" + cluster_id.strip("/").lower()


def run_key(cluster_id: str, update: str, run: str) -> str:
    return f"{cluster_key(cluster_id)}/updates/{update.lower()}/updateruns/{run.lower()}"


class HciUpdates(AzurePart):
    name = "azure-hci-updates"
    kinds = (KIND,)

    def __init__(self, azure) -> None:
        super().__init__(azure)
        self.reset()

    def reset(self) -> None:
        self.updates: dict = {}      # (cluster key, update name lower) -> {"cluster_id", "name", "state", ...}
        self.operations: dict = {}   # operation id -> run job key
        self.apply_seconds = 0.5

    # ------------------------------------------------------------------ admin
    def admin_routes(self) -> dict:
        return {
            ("POST", "/azure/updates"): self._admin_updates,
            ("GET", "/azure/updates"): lambda payload, req: {"updates": [dict(u) for u in self.updates.values()]},
            ("POST", "/azure/update-runs/continue"): self._admin_continue,
        }

    def default_cluster(self, spec: dict) -> str:
        """A cluster of the emulator's own subscription (a scenario file cannot know it)."""
        sub = self.azure.creds.get("subscription_id")
        return (f"/subscriptions/{sub}/resourceGroups/{spec.get('resource_group') or 'edge-rg'}/providers/"
                f"Microsoft.AzureStackHCI/clusters/{spec.get('cluster') or 'cluster-1'}")

    def add_update(self, spec: dict) -> dict:
        cluster_id = "/" + str(spec.get("cluster_id") or self.default_cluster(spec)).strip("/")
        if not re.fullmatch(CLUSTER_PATH, cluster_id, re.IGNORECASE):
            raise AdminError("cluster_id must be an Azure Local cluster ARM id")
        name = spec.get("name")
        if not isinstance(name, str) or not name:
            raise AdminError("an update needs a name")
        state = spec.get("state", "Ready")
        if state not in UPDATE_STATES:
            raise AdminError(f"state {state!r} is not an Update state of the spec")
        update = {"cluster_id": cluster_id, "name": name, "state": state,
                  "version": spec.get("version") or re.sub(r"^[A-Za-z]+", "", name) or "1.0.0",
                  "display_name": spec.get("display_name") or f"Azure Local {name}",
                  "installed": spec.get("installed_date")}
        with self.emu.lock:
            self.updates[(cluster_key(cluster_id), name.lower())] = update
        return update

    def _admin_updates(self, payload, req) -> dict:
        specs = payload.get("updates") if isinstance(payload, dict) and "updates" in payload else [payload]
        if not all(isinstance(spec, dict) for spec in specs):
            raise AdminError("POST /azure/updates wants {cluster_id, name, state?} or {updates: [...]}")
        return {"updates": [self.add_update(spec) for spec in specs]}

    def _admin_continue(self, payload, req) -> dict:
        if not isinstance(payload, dict) or not all(payload.get(k) for k in ("cluster_id", "update_name", "name")):
            raise AdminError("POST /azure/update-runs/continue wants {cluster_id, update_name, name, timeline}")
        job = self.emu.get_job(KIND, run_key(payload["cluster_id"], payload["update_name"], payload["name"]))
        if job is None:
            raise AdminError(f"no update run {payload['name']!r}", status=404)
        later = parse_timeline(payload.get("timeline"))
        with self.emu.lock:
            elapsed = time.monotonic() - job.created_mono
            done = job.timeline[: job.index_at() + 1]
            job.timeline = done + [(status, elapsed + secs, msg) for status, secs, msg in later]
            job.fired = min(job.fired, len(done) - 1)
        self.emu.advance()
        return {"timeline": job.timeline}

    # ------------------------------------------------------------------ jobs
    def default_timeline(self, kind: str, attrs: dict) -> list:
        return [["InProgress", 0], ["Succeeded", 3.0]]

    def create_run(self, cluster_id: str, update: str, name: str | None = None, *, timeline=None,
                   created_ago: float = 0.0, progress: dict | None = None) -> Job:
        name = name or str(uuid.uuid4())
        fields = {"cluster_id": cluster_id, "update": update, "name": name, "progress": progress,
                  "location": self.azure.settings["location"]}
        return self.emu.new_job(KIND, run_key(cluster_id, update, name), {"update": update, "name": name}, fields,
                                timeline=timeline, created_ago=created_ago)

    def seed_job(self, kind: str, spec: dict) -> Job:
        cluster_id = "/" + str(spec.get("cluster_id") or "").strip("/")
        update = spec.get("update_name")
        if not re.fullmatch(CLUSTER_PATH, cluster_id, re.IGNORECASE) or not isinstance(update, str) or not update:
            raise AdminError("an hci_update_run needs cluster_id (an Azure Local cluster ARM id) and update_name")
        if (cluster_key(cluster_id), update.lower()) not in self.updates:
            self.add_update({"cluster_id": cluster_id, "name": update, "state": "Installing"})
        return self.create_run(cluster_id, update, spec.get("name"), timeline=spec.get("timeline"),
                               created_ago=float(spec.get("created_ago", 0)), progress=spec.get("progress"))

    def on_transition(self, job: Job, status: str, message: str | None, wall: float) -> None:
        update = self.updates.get((cluster_key(job.fields["cluster_id"]), job.fields["update"].lower()))
        if update is None or self.runs_of(update)[-1] is not job:
            return   # an update's state follows its latest run
        state = RUN_STATES.get(status.lower())
        if state == "Succeeded":
            update.update(state="Installed", installed=iso(wall))
        elif state == "Failed":
            update["state"] = "InstallationFailed"
        elif state == "InProgress":
            update["state"] = "Installing"

    # ------------------------------------------------------------------ routing
    def route(self, req: Request, path: str):
        m = UPDATE_RE.match(path)
        if m:
            if m.group("apply"):
                operation = "Updates_Post" if req.method == "POST" else "Updates_" + req.method
            elif m.group("run"):
                operation = "UpdateRuns_Get" if req.method == "GET" else "UpdateRuns_" + req.method
            elif path.lower().endswith("/updateruns"):
                operation = "UpdateRuns_List" if req.method == "GET" else "UpdateRuns_" + req.method
            else:
                operation = "Updates_Get" if req.method == "GET" else "Updates_" + req.method
            return operation, m.group("sub"), lambda version, query: self.answer(req, m, operation, version, query)
        op = OPERATION_RE.match(path)
        if op and op.group("op") in self.operations:
            return "OperationStatus", op.group("sub"), lambda version, query: self.operation_status(req, op)
        return None

    def answer(self, req: Request, m, operation: str, version: str, query: dict) -> Response:
        if version not in self.azure.settings["api_versions"]:
            return arm_error(400, "InvalidResourceType",
                             f"The resource type 'clusters/updates' could not be found in the namespace "
                             f"'Microsoft.AzureStackHCI' for api version '{version}'. The supported api-versions are "
                             f"'{','.join(self.azure.settings['api_versions'])}'.")
        if operation not in ("Updates_Get", "Updates_Post", "UpdateRuns_Get", "UpdateRuns_List"):
            return arm_error(405, "MethodNotAllowed", f"The requested method {req.method} is not allowed here.")
        cluster_id = (f"/subscriptions/{m.group('sub')}/resourceGroups/{m.group('rg')}/providers/"
                      f"Microsoft.AzureStackHCI/clusters/{m.group('cluster')}")
        update = self.updates.get((cluster_key(cluster_id), m.group("update").lower()))
        if update is None:
            return arm_error(404, "ResourceNotFound",
                             f"The Resource '{UPDATE_TYPE}/{m.group('cluster')}/updates/{m.group('update')}' under "
                             f"resource group '{m.group('rg')}' was not found. For more details please go to "
                             "https://aka.ms/ARMResourceNotFoundFix")
        if operation == "Updates_Get":
            return Response.json(200, self.render_update(update))
        if operation == "Updates_Post":
            return self.apply(req, m, update, version)
        if operation == "UpdateRuns_Get":
            job = self.emu.get_job(KIND, run_key(cluster_id, update["name"], m.group("run")))
            if job is None:
                return arm_error(404, "ResourceNotFound",
                                 f"The Resource '{RUN_TYPE}/{m.group('cluster')}/updates/{m.group('update')}/"
                                 f"updateRuns/{m.group('run')}' under resource group '{m.group('rg')}' was not "
                                 "found. For more details please go to https://aka.ms/ARMResourceNotFoundFix")
            return Response.json(200, self.render_run(job))
        return self.list_runs(req, cluster_id, update, version, query)

    def runs_of(self, update: dict) -> list:
        prefix = run_key(update["cluster_id"], update["name"], "x")[:-1]
        return [job for job in self.emu.list_jobs(KIND) if job.id.startswith(prefix)]

    def list_runs(self, req: Request, cluster_id: str, update: dict, version: str, query: dict) -> Response:
        runs = self.runs_of(update)
        try:
            skip = int(query.get("$skipToken", "0"))
        except ValueError:
            return arm_error(400, "InvalidSkipToken", "The skip token is invalid.")
        size = int(self.azure.settings["page_size"])
        body: dict = {"value": [self.render_run(job) for job in runs[skip:skip + size]]}
        if skip + size < len(runs):
            base = (self.azure.settings.get("next_link_base") or self.azure.base(req)).rstrip("/")
            path = quote(f"{cluster_id}/updates/{update['name']}/updateRuns")
            body["nextLink"] = f"{base}{path}?api-version={version}&$skipToken={skip + size}"
        return Response.json(200, body)

    def apply(self, req: Request, m, update: dict, version: str) -> Response:
        if update["state"] == "Installed":
            return arm_error(409, "Conflict", f"The update '{update['name']}' is already installed.")
        if any(self.run_state(job)[0] == "InProgress" for job in self.runs_of(update)):
            return arm_error(409, "Conflict", f"The update '{update['name']}' has a run in progress.")
        job = self.create_run(update["cluster_id"], update["name"])
        op = str(uuid.uuid4())
        with self.emu.lock:
            self.operations[op] = job.id
        op_url = (f"{self.azure.base(req)}/subscriptions/{m.group('sub')}/providers/Microsoft.AzureStackHCI/"
                  f"locations/{self.azure.settings['location']}/operationStatuses/{op}?api-version={version}")
        return Response(202, b"", {"Azure-AsyncOperation": op_url,
                                   "Retry-After": str(int(self.azure.settings["retry_after"]))})

    def operation_status(self, req: Request, m) -> Response:
        job = self.emu.get_job(KIND, self.operations[m.group("op")])
        state, _message, _entered = self.run_state(job)
        done = time.monotonic() - job.created_mono >= self.apply_seconds or state in TERMINAL
        status = ("Failed" if state == "Failed" else "Succeeded") if done else "InProgress"
        body = {"id": req.raw_path.split("?", 1)[0], "name": m.group("op"), "status": status,
                "resourceId": self.render_run(job)["id"], "startTime": iso(job.created_wall)}
        if done:
            body["endTime"] = iso(job.created_wall + self.apply_seconds)
        if status == "Failed":
            body["error"] = {"code": "UpdateRunFailed", "message": "The update run failed."}
        headers = {} if done else {"Retry-After": str(int(self.azure.settings["retry_after"]))}
        return Response.json(200, body, headers)

    # ------------------------------------------------------------------ rendering
    @staticmethod
    def run_state(job: Job) -> tuple:
        status, message, entered = job.current()
        return (None if status == "NoState" else RUN_STATES.get(status.lower(), status)), message, entered

    def progress(self, job: Job, state: str | None, message: str | None, entered: float) -> dict:
        if job.fields.get("progress") is not None:
            return job.fields["progress"]
        start = iso(job.created_wall)
        last = iso(entered)
        terminal = state in TERMINAL
        status = {"Succeeded": "Success", "Failed": "Error", "InProgress": "InProgress"}.get(state or "", "Unknown")

        def step(name: str, description: str, error: str, steps: list) -> dict:
            out = {"name": name, "description": description, "errorMessage": error, "status": status,
                   "startTimeUtc": start, "lastUpdatedTimeUtc": last, "steps": steps}
            if terminal:
                out["endTimeUtc"] = last
            return out

        failed = state == "Failed"
        host = step("Update the hosts", "Updates each host of the cluster.",
                    "Type 'UpdateHosts' of Role 'Cloud' raised an exception." if failed else "",
                    [step("Update host 1", "Installs the update on the first host.",
                          (message or "The update of the host failed.") if failed else "", [])])
        prepare = step("PreUpdate Cloud", "Prepare for the update.", "", [])
        return step("Unnamed step", "Update Azure Local.", "", [prepare, host])

    def render_run(self, job: Job) -> dict:
        f = job.fields
        state, message, entered = self.run_state(job)
        props: dict = {"timeStarted": iso(job.created_wall), "lastUpdatedTime": iso(entered),
                       "duration": f"PT{max(0.0, entered - job.created_wall):.1f}S"}
        if state is not None:
            props["state"] = state
        props["progress"] = self.progress(job, state, message, entered)
        return {"id": f"{f['cluster_id']}/updates/{f['update']}/updateRuns/{f['name']}",
                "name": f"{f['update']}/{f['name']}", "type": RUN_TYPE, "location": f["location"],
                "properties": props}

    def render_update(self, update: dict) -> dict:
        props = {"provisioningState": "Succeeded", "state": update["state"], "version": update["version"],
                 "displayName": update["display_name"], "description": f"The {update['name']} solution update.",
                 "publisher": "Microsoft", "availabilityType": "Local", "packageType": "Solution",
                 "prerequisites": [], "componentVersions": []}
        if update.get("installed"):
            props["installedDate"] = update["installed"]
        return {"id": f"{update['cluster_id']}/updates/{update['name']}", "name": update["name"],
                "type": UPDATE_TYPE, "location": self.azure.settings["location"], "properties": props}


PARTS = [HciUpdates]
