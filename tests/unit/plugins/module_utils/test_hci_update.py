# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure Local update runs: input checks before any connection, the source's URLs and batching, the status table,
the message from the step tree and the finished_at rule."""
from __future__ import annotations

import pytest

from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError
from ansible_collections.jobgate.cloud.plugins.module_utils._core.states import normalize
from ansible_collections.jobgate.cloud.plugins.module_utils._hci_update_run import source as hu
from ansible_collections.jobgate.cloud.plugins.module_utils._hci_update_run.status import root_cause

SUB = "fd3c3665-1729-4b7b-9a38-238e83b0f98b"
CLUSTER = f"/subscriptions/{SUB}/resourceGroups/edge-rg/providers/Microsoft.AzureStackHCI/clusters/cluster-1"
UPDATE = "Solution12.2604.1003.20"
RUN = "23b779ba-0d52-4a80-8571-45ca74664ec3"
ARM = "https://management.example.test"


def params(**over):
    base = {"cluster_id": CLUSTER, "update_name": UPDATE, "run_name": None, "run_names": None,
            "api_version": "2025-10-01", "wait": False, "wait_timeout": 60, "wait_sleep": 5}
    base.update(over)
    return base


# ------------------------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize("over,words", [
    ({"cluster_id": CLUSTER + "/.."}, "cluster_id"),
    ({"cluster_id": CLUSTER + "/"}, "cluster_id"),
    ({"cluster_id": CLUSTER.replace("clusters", "machines")}, "cluster_id"),
    ({"cluster_id": CLUSTER + "?x=1"}, "cluster_id"),
    ({"cluster_id": CLUSTER + "%2f.."}, "cluster_id"),
    ({"cluster_id": "/subscriptions/not-a-guid/resourceGroups/g/providers/Microsoft.AzureStackHCI/clusters/c"},
     "cluster_id"),
    ({"cluster_id": None}, "cluster_id"),
    ({"update_name": "a/b"}, "update_name"),
    ({"update_name": ".."}, "update_name"),
    ({"update_name": "Solution 12"}, "update_name"),
    ({"update_name": " Solution12"}, "update_name"),
    ({"update_name": "Solution12%2F"}, "update_name"),
    ({"update_name": None}, "update_name"),
    ({"run_name": "run#1"}, "run_name"),
    ({"run_name": "run\n"}, "run_name"),
    ({"run_names": ["ok-run", "bad?run"]}, "run_names"),
    ({"run_names": []}, "run_names"),
    ({"run_name": RUN, "run_names": [RUN]}, "mutually exclusive"),
    ({"api_version": "latest"}, "api_version"),
])
def test_bad_input_before_any_connection(monkeypatch, over, words):
    monkeypatch.setattr(hu.arm, "create_client", lambda *a, **k: pytest.fail("connected for bad input"))
    with pytest.raises(JobGateError) as err:
        hu.select_jobs(params(**over))
    assert err.value.code == "ValidationError" and words in err.value.msg


def test_cluster_id_without_leading_slash_is_canonical():
    assert hu.parse_cluster_id(CLUSTER[1:])["cluster_id"] == CLUSTER
    assert hu.parse_cluster_id(CLUSTER)["cluster"] == "cluster-1"


def test_selection_ids():
    assert hu.select_jobs(params(run_name=RUN)).ids == [RUN]
    assert hu.select_jobs(params(run_names=[RUN, "b", RUN])).ids == [RUN, "b"]
    assert hu.select_jobs(params()).ids is None


# ------------------------------------------------------------------------------------------------ the source
class FakeArm:
    base = ARM

    def __init__(self, pages):
        self.pages_given = pages
        self.calls: list = []

    def url(self, path):
        return ARM + path

    def get_json(self, url, what, params=None):
        self.calls.append(("GET", url, params))
        return {"id": url[len(ARM):], "properties": {"state": "InProgress"}}

    def pages(self, url, what, params=None):
        self.calls.append(("LIST", url, params))
        yield from self.pages_given

    def list_all(self, url, what, params=None):
        self.calls.append(("LIST", url, params))
        return [item for page in self.pages_given for item in page]


def run(name, state="InProgress", **props):
    return {"id": f"{CLUSTER}/updates/{UPDATE}/updateRuns/{name}", "name": f"{UPDATE}/{name}",
            "properties": {"state": state, **props}}


def test_source_urls_and_location():
    arm = FakeArm([[run("a"), run("b")]])
    src = hu.HciUpdateRunSource(arm, CLUSTER, UPDATE, "2025-10-01")
    src.describe(RUN)
    assert arm.calls[-1] == ("GET", f"{ARM}{CLUSTER}/updates/{UPDATE}/updateRuns/{RUN}", {"api-version": "2025-10-01"})
    assert [r["name"] for r in src.list_jobs()] == [f"{UPDATE}/a", f"{UPDATE}/b"]
    assert arm.calls[-1][1] == f"{ARM}{CLUSTER}/updates/{UPDATE}/updateRuns"
    src.get_update()
    assert arm.calls[-1][1] == f"{ARM}{CLUSTER}/updates/{UPDATE}"
    assert "cluster-1" in src.location() and UPDATE in src.location()
    assert src.location_key() == f"azure{CLUSTER.lower()}/updates/{UPDATE.lower()}"


def test_fetch_batch_answers_ids_as_asked_by_the_url_name():
    arm = FakeArm([[run("aaa"), run("BBB")], [run("ccc")]])
    src = hu.HciUpdateRunSource(arm, CLUSTER, UPDATE)
    found = src.fetch_batch(["bbb", "ccc", "missing"], {})
    assert set(found) == {"bbb", "ccc"} and found["bbb"]["name"] == f"{UPDATE}/BBB"


# ------------------------------------------------------------------------------------------------ status
@pytest.mark.parametrize("state,expected", [
    ("InProgress", "running"), ("Succeeded", "succeeded"), ("Failed", "failed"), ("Unknown", "unknown"),
    ("inprogress", "running"), (None, "unknown"), ("Exploded", "unknown"),
])
def test_status_table(state, expected):
    raw = run(RUN) if state is None else run(RUN, state)
    if state is None:
        del raw["properties"]["state"]
    block = normalize("hci_update_run", raw)
    assert block["state"] == expected and block["native_status"] == state
    assert block["terminal"] is (expected in ("succeeded", "failed"))
    assert block["job_id"] == RUN   # the id's last segment, not the resource name update/run


def step(name, error="", steps=(), end=None):
    out = {"name": name, "errorMessage": error, "status": "Error" if error else "Success", "steps": list(steps)}
    if end:
        out["endTimeUtc"] = end
    return out


def test_message_is_the_deepest_error_first_in_document_order():
    tree = step("root", "", [
        step("pre", "shallow one", [step("pre-1", "", [])]),
        step("hosts", "Type 'UpdateHosts' raised an exception", [
            step("host-1", "first deepest", []),
            step("host-2", "second deepest", []),
        ]),
    ])
    assert root_cause(tree) == "first deepest"
    assert normalize("hci_update_run", run(RUN, "Failed", progress=tree))["message"] == "first deepest"


def test_message_deeper_later_wins_over_shallower_earlier():
    tree = step("root", "root says", [step("a", "", []), step("b", "", [step("b1", "", [step("b11", "deep", [])])])])
    assert root_cause(tree) == "deep"


@pytest.mark.parametrize("tree", [
    step("root", "", [step("a", "  ", [])]),
    {"name": "root", "errorMessage": None, "steps": "junk"},
    None,
    "junk",
])
def test_message_absent(tree):
    assert normalize("hci_update_run", run(RUN, "Failed", progress=tree))["message"] is None


def test_message_own_error_of_the_only_step():
    assert root_cause(step("root", "the root failed")) == "the root failed"


def test_dates_and_finished_only_once_terminal():
    props = {"timeStarted": "2026-04-06T01:36:33.3876751+00:00", "lastUpdatedTime": "2026-04-06T03:00:00Z",
             "progress": step("root", end="2026-04-06T03:58:42.969006+00:00")}
    open_run = normalize("hci_update_run", run(RUN, "InProgress", **props))
    assert open_run["created_at"].startswith("2026-04-06T01:36:33") and open_run["created_at"].endswith("Z")
    assert open_run["updated_at"].startswith("2026-04-06T03:00:00")
    assert open_run["finished_at"] is None   # the tree has an end, but the run is not terminal
    assert normalize("hci_update_run", run(RUN, "Unknown", **props))["finished_at"] is None
    done = normalize("hci_update_run", run(RUN, "Succeeded", **props))
    assert done["finished_at"].startswith("2026-04-06T03:58:42")
    assert normalize("hci_update_run", run(RUN, "Failed", timeStarted="2026-04-06T01:00:00Z"))["finished_at"] is None


def test_hostile_deep_tree_does_not_recurse_without_end():
    tree: dict = step("leaf", "too deep to reach")
    for index in range(500):
        tree = step(f"s{index}", "", [tree])
    assert isinstance(normalize("hci_update_run", run(RUN, "Failed", progress=tree)), dict)
