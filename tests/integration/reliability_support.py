"""Helpers for the reliability suites (faults, bad input, secrets, load).

Many cases run in ONE ansible-playbook process: the playbook is built here from a table of cases (JSON is YAML).
Each case may arm emulator faults through the admin API (ansible.builtin.uri), runs one module task with
`ignore_errors`, and stores the registered result and its wall-clock start/end; one file, cases.json, holds all.
"""
from __future__ import annotations

import http.server
import json
import ssl
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

MODULES = {
    "panorama_device": "jobgate.cloud.panorama_device_job_info",
    "panorama_package_import": "jobgate.cloud.panorama_package_import_job_info",
    "backup_report": "jobgate.cloud.backup_report_job_info",
    "hci_edge_device": "jobgate.cloud.hci_edge_device_job_info",
    "backup_job": "jobgate.cloud.backup_job_info",
    "restore_job": "jobgate.cloud.restore_job_info",
    "copy_job": "jobgate.cloud.copy_job_info",
    "scan_job": "jobgate.cloud.scan_job_info",
    "hci_update_run": "jobgate.cloud.hci_update_run_info",
}
# Jinja for "seconds since the epoch" on the controller (set_fact runs there, no module process).
NOW = "{{ now().timestamp() }}"


def _admin_task(name: str, path: str, body: Any = None) -> dict:
    task = {"name": name, "ansible.builtin.uri": {"url": "{{ admin_url }}" + path, "method": "POST",
                                                  "status_code": [200], "timeout": 10}}
    if body is not None:
        task["ansible.builtin.uri"].update(body_format="json", body=body)
    return task


def case_playbook(cases: list[dict], *, aws_endpoint: bool = True) -> str:
    """A playbook running every case in order and saving {{ out_dir }}/cases.json = {id: {result, t0, t1}}.

    A case: {"id", "module" (fqcn or provider), "args" (module options), optional "before" (admin POSTs
    [path, body] first), "faults" (admin fault specs armed just before), "clear_after" (clear faults after),
    "async" (seconds; then the "mid_wait" admin POSTs [path, body] run once the module's first request is seen),
    "check_mode" (run the module task in check mode)}.
    """
    tasks: list[dict] = [{"name": "Start with no results", "ansible.builtin.set_fact": {"reliability_cases": {}}}]
    for case in cases:
        cid = case["id"]
        module = MODULES.get(case["module"], case["module"])
        for path, body in case.get("before", []):
            tasks.append(_admin_task(f"{cid}: POST {path}", path, body))
        if case.get("faults"):
            tasks.append(_admin_task(f"{cid}: arm faults", "/faults", {"faults": case["faults"]}))
        tasks.append({"name": f"{cid}: start clock", "ansible.builtin.set_fact": {"reliability_t0": NOW}})
        run = {"name": f"{cid}: run", module: case["args"], "register": "reliability_r", "ignore_errors": True}
        if case.get("check_mode"):
            run["check_mode"] = True
        if module == "role":
            # A role's failure is caught by rescue; its failed task's result is what the user reads.
            tasks.append({"name": f"{cid}: no failure yet", "ansible.builtin.set_fact": {"reliability_r": {"role_ok": True}}})
            tasks.append({"name": f"{cid}: run the role", "block": [
                {"name": f"{cid}: include the role", "ansible.builtin.include_role": {"name": "jobgate.cloud.wait_for_job"},
                 "vars": case["args"]}],
                "rescue": [{"name": f"{cid}: keep the failure",
                            "ansible.builtin.set_fact": {"reliability_r": "{{ ansible_failed_result }}"}}]})
        elif case.get("async"):
            run.update({"async": case["async"], "poll": 0})
            log = {"url": "{{ admin_url }}/requests", "return_content": True, "timeout": 10}
            tasks.append({"name": f"{cid}: requests so far", "ansible.builtin.uri": log, "register": "reliability_log0"})
            tasks.append(run)
            tasks.append({"name": f"{cid}: wait for the module's first request", "ansible.builtin.uri": log,
                          "register": "reliability_log",
                          "until": "reliability_log.json | length > reliability_log0.json | length",
                          "retries": 300, "delay": 0.1})
            for path, body in case.get("mid_wait", []):
                tasks.append(_admin_task(f"{cid}: POST {path} while the module waits", path, body))
            tasks.append({"name": f"{cid}: collect", "ansible.builtin.async_status": {"jid": "{{ reliability_r.ansible_job_id }}"},
                          "register": "reliability_r", "until": "reliability_r.finished", "retries": 600, "delay": 0.2,
                          "ignore_errors": True})
        else:
            tasks.append(run)
        tasks.append({"name": f"{cid}: keep result", "ansible.builtin.set_fact": {"reliability_cases": (
            "{{ reliability_cases | combine({'" + cid + "': {'result': reliability_r, 't0': reliability_t0 | float, "
            "'t1': " + NOW[3:-3] + "}}) }}")}})
        if case.get("clear_after"):
            tasks.append(_admin_task(f"{cid}: clear faults", "/faults/clear"))
    tasks.append({"name": "Save the cases", "ansible.builtin.copy": {
        "content": "{{ reliability_cases | to_json }}", "dest": "{{ out_dir }}/cases.json", "mode": "0600"}})
    play: dict = {"name": "Reliability cases", "hosts": "localhost", "gather_facts": False, "tasks": tasks}
    if aws_endpoint:
        play["module_defaults"] = {"group/jobgate.cloud.aws": {"endpoint_url": "{{ emulator_aws_endpoint }}"}}
    return json.dumps([play], indent=1) + "\n"


def epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def requests_between(log: list[dict], t0: float, t1: float) -> list[dict]:
    """The logged requests of one case (by wall clock; emulator and controller share the machine's clock)."""
    return [r for r in log if t0 - 0.05 <= epoch(r["time"]) <= t1 + 0.05]


def check_error_block(out: dict, problems: list, cid: str, *, code: str | None = None,
                      retryable: bool | None = None) -> None:
    """The contract's failure: one readable msg (no traceback), error {code, message, http_status, retryable}."""
    if not out.get("failed"):
        problems.append(f"{cid}: expected a failure, got {str(out)[:300]}")
        return
    msg, err = out.get("msg") or "", out.get("error")
    if not isinstance(err, dict) or set(err) != {"code", "message", "http_status", "retryable"}:
        problems.append(f"{cid}: no contract error block: {str(out)[:400]}")
        return
    if "Traceback" in msg or "Traceback" in str(err.get("message")) or "\n" in msg.strip() or len(msg) > 1200:
        problems.append(f"{cid}: msg is not one readable sentence: {msg[:400]!r}")
    if code is not None and err["code"] != code:
        problems.append(f"{cid}: code {err['code']!r}, want {code!r} ({msg[:200]})")
    if retryable is not None and err["retryable"] is not retryable:
        problems.append(f"{cid}: retryable {err['retryable']!r}, want {retryable!r} ({msg[:200]})")


class FakeAuthority:
    """An HTTPS server (own throwaway CA) acting as a cloud's metadata document and Entra-style authority whose
    token endpoint fails as told: status (with a JSON or HTML body) or a dropped connection."""

    def __init__(self, workdir: Path, *, tenant: str, token_status: int = 503, token_body: str = "html",
                 drop: bool = False) -> None:
        from emulator.tls import make_tls  # the emulator's CA helper, reused for a second, separate CA

        self.ca_file = Path(workdir) / "fake-authority-ca.pem"
        ctx: ssl.SSLContext = make_tls(self.ca_file)
        self.token_posts = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):  # noqa: N802 - http.server's naming
                base = outer.url
                if self.path.startswith("/metadata/endpoints"):
                    self._send(200, json.dumps({"authentication": {
                        "loginEndpoint": base + "/", "audiences": ["https://management.fake-authority.test/"]}}).encode())
                elif self.path.startswith(f"/{tenant}/v2.0/.well-known/openid-configuration"):
                    self._send(200, json.dumps({
                        "token_endpoint": f"{base}/{tenant}/oauth2/v2.0/token",
                        "authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/authorize",
                        "issuer": f"{base}/{tenant}/v2.0", "jwks_uri": f"{base}/{tenant}/discovery/v2.0/keys",
                        "device_authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/devicecode",
                        "end_session_endpoint": f"{base}/{tenant}/oauth2/v2.0/logout",
                        "response_types_supported": ["code"], "subject_types_supported": ["pairwise"],
                        "id_token_signing_alg_values_supported": ["RS256"]}).encode())
                else:
                    self._send(404, b'{"error": "not_found"}')

            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.token_posts += 1
                if drop:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if token_body == "html":
                    self._send(token_status, f"<html><body><h1>{token_status} Service Unavailable</h1></body></html>"
                               .encode(), "text/html")
                else:
                    self._send(token_status, json.dumps({"error": "temporarily_unavailable", "error_description":
                                                         "AADSTS50000: There was an error issuing a token."}).encode())

            def log_message(self, *args):
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://localhost:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def timed(fn, *args, **kwargs):
    start = time.monotonic()
    value = fn(*args, **kwargs)
    return value, time.monotonic() - start
