"""Helpers for the HCI integration tests: machine ids, seeding jobs, and PUT straight to the emulator's ARM API."""
from __future__ import annotations

import http.server
import threading
import time

import requests

HCI_PLAYBOOK = "playbooks/hci_edge_device.yml"


def machine_uri(emulator, group: str = "edge-rg", machine: str = "node-1") -> str:
    sub = emulator.state["azure"]["subscription_id"]
    return f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.HybridCompute/machines/{machine}"


def seed(emulator, uri: str, *names: str, timeline=None, **spec) -> list:
    jobs = []
    for name in names:
        job = {"kind": "hci_edge_device", "resource_uri": uri, "name": name, **spec}
        if timeline is not None:
            job["timeline"] = timeline
        jobs.append(job)
    emulator.admin("POST", "/jobs", {"jobs": jobs})
    return list(names)


def arm_requests(emulator) -> list:
    return emulator.requests(service="azure-arm")


def get_token(emulator) -> str:
    """A bearer token from the emulator's authority by the client credentials grant, as a test client."""
    az = emulator.state["azure"]
    meta = requests.get(emulator.https_endpoint + "/metadata/endpoints?api-version=1.0", verify=emulator.ca_file,
                        timeout=10).json()
    login = meta["authentication"]["loginEndpoint"].rstrip("/")
    resp = requests.post(f"{login}/{az['tenant']}/oauth2/v2.0/token", verify=emulator.ca_file, timeout=10, data={
        "grant_type": "client_credentials", "client_id": az["client_id"], "client_secret": az["secret"],
        "scope": meta["authentication"]["audiences"][0] + "/.default"})
    resp.raise_for_status()
    return resp.json()["access_token"]


def put_job(emulator, uri: str, name: str, properties: dict, *, api_version: str = "2024-09-01-preview",
            edge: str = "default") -> requests.Response:
    url = (f"{emulator.https_endpoint}{uri}/providers/Microsoft.AzureStackHCI/edgeDevices/{edge}/jobs/{name}")
    return requests.put(url, params={"api-version": api_version}, verify=emulator.ca_file, timeout=10,
                        headers={"Authorization": "Bearer " + get_token(emulator)},
                        json={"kind": "HCI", "properties": properties})


class RecordingServer:
    """A plain HTTP server on loopback that records every request's headers (the "other host" of a nextLink), and
    the bodies POSTed to it (a stand-in for a chat webhook)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.seen: list = []
        seen = self.seen

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                seen.append({"path": self.path, "headers": dict(self.headers.items())})
                body = b'{"value": []}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                seen.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                return

        self.server = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class WhenPolled:
    """Run `action` once the module's first Resource Manager request has been seen (in a background thread), so
    a test moves a job on while the module waits, however long ansible-playbook took to start."""

    def __init__(self, emulator, action, *, timeout: float = 60.0) -> None:
        self.error = None
        self.done = threading.Event()
        self._stop = threading.Event()

        def watch():
            deadline = time.monotonic() + timeout
            try:
                while not self._stop.is_set() and time.monotonic() < deadline:
                    if arm_requests(emulator):
                        action()
                        return
                    time.sleep(0.05)
            except Exception as exc:  # reported by the test through .error
                self.error = exc
            finally:
                self.done.set()

        self.thread = threading.Thread(target=watch, daemon=True)
        self.thread.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.thread.join(5)


def continue_job(emulator, uri: str, name: str, timeline: list) -> None:
    emulator.admin("POST", "/azure/jobs/continue", {"resource_uri": uri, "name": name, "timeline": timeline})
