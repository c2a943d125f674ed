"""The watchdog (_core/watchdog.py): a request's whole time ends at its deadline, however its answer arrives.

A real local HTTP server whose answer's headers come at once and whose body trickles in a byte every 50 ms: each
read is quick, so only the watchdog can end the request. requests and botocore alike (both use urllib3's pools).
"""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from ansible_collections.jobgate.cloud.plugins.module_utils._azure.transport import guard_session
from ansible_collections.jobgate.cloud.plugins.module_utils._core import watchdog
from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline

BODY = b'{"JobId": "' + b"x" * 200 + b'"}'


class Trickle(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 - http.server's naming
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        try:
            for index in range(len(BODY)):
                self.wfile.write(BODY[index:index + 1])
                self.wfile.flush()
                time.sleep(0 if self.path == "/fast" else 0.05)
        except OSError:
            pass

    def log_message(self, *args):
        return


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_trickling_answer_is_cut_at_the_deadline(server):
    session = requests.Session()
    guard_session(session, Deadline(1.0))
    began = time.monotonic()
    with pytest.raises(requests.exceptions.RequestException):
        session.get(server + "/slow", timeout=(5, 5))   # 200 bytes at 50 ms: 10 s without the watchdog
    took = time.monotonic() - began
    assert 0.9 <= took < 2.0, took
    assert watchdog.was_cut() and not watchdog.was_cut()   # told once, to the thread whose request it was


def test_a_quick_answer_on_the_same_connection_is_not_cut_later(server):
    session = requests.Session()
    guard_session(session, Deadline(0.5))
    assert session.get(server + "/fast", timeout=(5, 5)).json()["JobId"].startswith("x")
    time.sleep(0.7)   # the deadline passes while the connection idles in the pool
    assert not watchdog.was_cut()


def test_a_tighter_deadline_bounds_the_requests_inside_it(server):
    session = requests.Session()
    guard_session(session, Deadline())   # unbounded: the module without wait
    began = time.monotonic()
    with watchdog.tighter(Deadline(0.8)), pytest.raises(requests.exceptions.RequestException):
        session.get(server + "/slow", timeout=(5, 5))
    assert time.monotonic() - began < 1.8
    assert watchdog.was_cut()


def test_botocore_clients_are_cut_too(server):
    import botocore.session
    from ansible_collections.jobgate.cloud.plugins.module_utils._aws.timeouts import bound_request_timeouts

    client = botocore.session.get_session().create_client(
        "backup", region_name="us-east-1", endpoint_url=server, aws_access_key_id="AKIAEXAMPLE",
        aws_secret_access_key="secret", config=botocore.config.Config(retries={"total_max_attempts": 1}))
    assert bound_request_timeouts(client, Deadline(1.0)) is True
    began = time.monotonic()
    try:   # botocore parses a cut JSON body as an error text (the collection's before-parse hook refuses it)
        client.describe_report_job(ReportJobId="slow")
    except Exception:  # noqa: BLE001 - whatever botocore makes of it; the time and the mark are what count
        pass
    assert time.monotonic() - began < 2.0
    assert watchdog.was_cut()
