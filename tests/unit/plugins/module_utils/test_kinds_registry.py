# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The registry of kinds (_core/kinds.py) against every other place that lists kinds: a drift fails here."""
from __future__ import annotations

import importlib
import re
from pathlib import Path

import botocore.session
import pytest
import yaml
from botocore import xform_name

from ansible_collections.jobgate.cloud.plugins.module_utils._aws.settings import AWS_ARG_SPEC
from ansible_collections.jobgate.cloud.plugins.module_utils._azure.credentials import AZURE_ARG_SPEC
from ansible_collections.jobgate.cloud.plugins.module_utils._core import gate
from ansible_collections.jobgate.cloud.plugins.module_utils._core import kinds as registry
from ansible_collections.jobgate.cloud.plugins.module_utils._core.params import spec_names
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import JobSource
from ansible_collections.jobgate.cloud.plugins.module_utils._core.states import PROVIDERS, STATES
from ansible_collections.jobgate.cloud.plugins.module_utils._eda import kinds as eda_kinds
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama.model import SERVICE_MODEL as PANORAMA_MODEL

ROOT = Path(__file__).resolve().parents[4]
KINDS = list(registry.KINDS.values())
NAMES = list(registry.NAMES)
CONNECTION = {"aws": AWS_ARG_SPEC, "azure": AZURE_ARG_SPEC}


def _yaml(path: str):
    return yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))


def _documentation(path: str) -> dict:
    module = importlib.import_module("ansible_collections.jobgate.cloud." + path.replace("/", ".")[:-3])
    return yaml.safe_load(module.DOCUMENTATION)


def _operations(service: str) -> dict:
    """{botocore method name: operation name} of a service model (Panorama: the carried one)."""
    if service == "panorama":
        names = PANORAMA_MODEL["operations"]
    else:
        names = botocore.session.get_session().get_service_model(service).operation_names
    return {xform_name(name): name for name in names}


def test_registry_shape():
    assert len(set(NAMES)) == len(NAMES)
    modules = [m for kind in KINDS for m in kind.modules.values()]
    assert len(set(modules)) == len(modules)
    for kind in KINDS:
        assert kind.cloud in registry.CLOUDS
        assert kind.info_module == kind.start_module + "_info" or kind.info_module.endswith("_info"), kind.name
        assert registry.by_module(kind.info_module) == (kind, "info")
        assert registry.by_module(kind.start_module) == (kind, "start")
        assert kind.info_actions and kind.start_actions, kind.name
    with pytest.raises(KeyError):
        registry.by_module("nothing")
    assert registry.of_cloud("azure") == (registry.KINDS["hci_edge_device"], registry.KINDS["hci_update_run"])


def test_derived_lists():
    assert PROVIDERS == tuple(NAMES)
    assert list(eda_kinds.KINDS) == NAMES
    for name, module in eda_kinds.KINDS.items():
        assert module.__name__ == registry.KINDS[name].source_module


@pytest.mark.parametrize("kind", KINDS, ids=NAMES)
def test_status_table(kind):
    status = importlib.import_module(kind.status_module)
    assert status.PROVIDER == kind.name
    assert kind.status_table() is status.STATUS
    assert set(status.STATUS.values()) <= set(STATES) - {"unknown"}


@pytest.mark.parametrize("kind", KINDS, ids=NAMES)
def test_info_options(kind):
    """The info module's (and the event source's) options are the registry's, plus the cloud's connection ones."""
    source = importlib.import_module(kind.source_module)
    assert spec_names(source.INFO_ARG_SPEC) == kind.option_names() | spec_names(CONNECTION[kind.cloud])
    spec = source.INFO_ARG_SPEC
    assert tuple(spec[kind.id_option.name].get("aliases", ())) == kind.id_option.aliases
    assert tuple(spec[kind.ids_option.name].get("aliases", ())) == kind.ids_option.aliases
    sources = [cls for cls in vars(source).values()
               if isinstance(cls, type) and issubclass(cls, JobSource) and getattr(cls, "provider", None) == kind.name]
    assert sources, f"{kind.source_module} has no JobSource of provider {kind.name}"
    if kind.cloud == "aws":
        assert {cls.service for cls in sources} == {kind.service}


def test_module_files():
    files = {p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if p.name != "__init__.py"}
    assert files == {m for kind in KINDS for m in kind.modules.values()}


def test_runtime_action_groups():
    runtime = _yaml("meta/runtime.yml")
    groups = runtime["action_groups"]
    for cloud in registry.CLOUDS:
        want = {m for kind in registry.of_cloud(cloud) for m in kind.modules.values()}
        assert set(groups[cloud]) == want, cloud
    assert set(groups["wait_for_job"]) == {kind.info_module for kind in KINDS}
    routed = runtime["plugin_routing"]["modules"]
    assert set(routed) == {kind.info_module for kind in KINDS}
    assert all(entry == {"action_plugin": "ansible.legacy.normal"} for entry in routed.values())


def test_event_source_documentation():
    doc = _documentation("extensions/eda/plugins/event_source/job_status.py")
    options = doc["options"]
    assert options["kind"]["choices"] == NAMES
    for kind in KINDS:
        for name in (*kind.list_filters, *kind.location_options, kind.ids_option.name):
            assert name in options, (kind.name, name)
        for name in kind.list_filters:
            # each filter says which kinds take it
            assert f"V({kind.name})" in " ".join(options[name]["description"]), (kind.name, name)
    text = " ".join(doc["description"])
    for kind in KINDS:
        assert kind.title in text, kind.title


def test_role_kinds():
    spec = _yaml("roles/wait_for_job/meta/argument_specs.yml")["argument_specs"]["main"]["options"]
    assert spec["wait_for_job_kind"]["choices"] == NAMES
    # the role polls with the registry's info modules and connection options (module_utils/_core/gate.py plan)
    for kind in KINDS:
        location = {name: "x" for name in kind.location_options}
        connections = {"aws": {"region": "r"}, "azure": {"tenant": "t"}}
        poll = gate.step(gate.plan({"jobs": [dict(location, kind=kind.name, id="job-1")]}), {}, 0, connections)
        assert poll["module"] == f"jobgate.cloud.{kind.info_module}"
        assert poll["defaults"] == dict(connections[kind.cloud], **location)
    description = _yaml("roles/wait_for_job/meta/main.yml")["galaxy_info"]["description"]
    for kind in KINDS:
        service = " ".join(kind.title.split(" ")[:2])  # AWS Panorama, AWS Backup, Azure Local
        assert service in description, kind.title


def test_returns_source():
    """tools/returns.yml describes every kind's own return values; modules and id options come from the registry."""
    returns = _yaml("tools/returns.yml")["kinds"]
    assert list(returns) == NAMES
    for entry in returns.values():
        assert not {"modules", "id_option", "ids_option"} & set(entry)


def test_readmes_list_every_kind():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for kind in KINDS:
        assert f"| `jobgate.cloud.{kind.info_module}` |" in readme, kind.info_module
        assert f"`{kind.start_module}`" in readme, kind.start_module
    role = (ROOT / "roles" / "wait_for_job" / "README.md").read_text(encoding="utf-8")
    row = next(line for line in role.splitlines() if line.startswith("| `wait_for_job_kind` |"))
    assert re.findall(r"`(\w+)`", row)[1:] == NAMES


_CALL = re.compile(r"""["']((?:describe|list|start|create|get)_[a-z_]+)["']""")


@pytest.mark.parametrize("kind", [k for k in KINDS if k.cloud == "aws"], ids=[k.name for k in KINDS if k.cloud == "aws"])
def test_aws_actions_are_the_calls(kind):
    """Every IAM action names an operation of the service's model, and the kind's package calls exactly the
    operations its modules declare (a new call without its action in the registry fails here)."""
    operations = _operations(kind.service)
    declared = set()
    for action in (*kind.info_actions, *kind.start_actions):
        prefix, name = action.name.split(":")
        if prefix == "iam":
            assert name == "PassRole"
            continue
        assert prefix == kind.service, action
        assert name in operations.values(), f"{action.name} is not an operation of {kind.service}"
        declared.add(name)
    package = ROOT / "plugins" / "module_utils" / kind.package

    def calls(path: Path) -> set:
        found = {operations[m] for m in _CALL.findall(path.read_text(encoding="utf-8")) if m in operations}
        # A Backup API source calls the operations its class names (describe_op, list_op: from its registry entry).
        module = importlib.import_module(f"ansible_collections.jobgate.cloud.plugins.module_utils.{kind.package}.{path.stem}")
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ == module.__name__:
                named = (getattr(value, "describe_op", ""), getattr(value, "list_op", ""))
                found |= {operations[op] for op in named if op in operations}
        return found

    assert set().union(*(calls(path) for path in package.glob("*.py"))) == declared
    info_ops = {a.name.split(":")[1] for a in kind.info_actions}
    start_ops = {a.name.split(":")[1] for a in kind.start_actions}
    source_ops = calls(package / "source.py")
    start_text = (package / "start.py").read_text(encoding="utf-8")
    # the info module runs the source; the start module its own calls, and the source's describe (it reads the
    # job it starts), and the source's list where it lists (the jobs before a token start, a job to return)
    assert source_ops <= info_ops
    assert calls(package / "start.py") <= start_ops
    assert {op for op in source_ops if op.startswith("Describe")} <= start_ops
    if re.search(r"\b(list_jobs|recent_job_ids|job_ids_since)\b", start_text):
        assert {op for op in source_ops if op.startswith("List")} <= start_ops


# A value of each Azure location option, for the path of a kind's job list (its source's jobs_path).
_LOCATION_SAMPLES = {
    "resource_uri": "/subscriptions/s/resourceGroups/g/providers/Microsoft.HybridCompute/machines/m",
    "edge_device_name": "device",
    "cluster_id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.AzureStackHCI/clusters/c",
    "update_name": "update",
}


@pytest.mark.parametrize("kind", [k for k in KINDS if k.cloud == "azure"], ids=[k.name for k in KINDS if k.cloud == "azure"])
def test_azure_actions(kind):
    for action in (*kind.info_actions, *kind.start_actions):
        assert action.name.startswith(kind.service + "/"), action
        # a resource type's read or write, or an action on it (POST .../apply is .../apply/action)
        assert action.name.rsplit("/", 1)[1] in ("read", "write", "action"), action
    assert all(a.name.endswith("/read") for a in kind.info_actions)
    assert any(a.name.endswith(("/write", "/action")) for a in kind.start_actions)
    # RBAC actions name the resource type the URLs address: {namespace}/{type}/{child type}.../read
    source = importlib.import_module(kind.source_module)
    path = source.jobs_path(*(_LOCATION_SAMPLES[name] for name in kind.location_options if name != "api_version"))
    namespace, _sep, rest = path.rsplit("/providers/", 1)[1].partition("/")
    resource_type = "/".join([namespace] + rest.split("/")[::2])   # types and names alternate after the namespace
    assert namespace == kind.service
    assert {a.name for a in kind.info_actions} == {f"{resource_type}/read"}
    assert f"{resource_type}/read" in {a.name for a in kind.start_actions}


def test_pass_role_where_a_start_passes_a_role():
    """iam:PassRole is declared exactly for the start modules that take iam_role_arn."""
    for kind in KINDS:
        if kind.cloud != "aws":
            continue
        module = importlib.import_module(f"ansible_collections.jobgate.cloud.plugins.modules.{kind.start_module}")
        options = yaml.safe_load(module.DOCUMENTATION)["options"]
        passes = "iam_role_arn" in options
        assert any(a.name == "iam:PassRole" for a in kind.start_actions) == passes, kind.name
        assert not any(a.name == "iam:PassRole" for a in kind.info_actions)
