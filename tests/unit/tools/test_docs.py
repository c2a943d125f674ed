# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tools/docs.py: the shared return values go into each module's RETURN, and the check finds any drift."""
from __future__ import annotations

import ast
import dataclasses
import re
import importlib.util
import json
import shutil
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location("jobgate_tools_docs", REPO / "tools" / "docs.py")
docs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(docs)  # type: ignore[union-attr]


def return_doc(path: Path) -> dict:
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "RETURN":
            return yaml.safe_load(node.value.value)
    raise AssertionError(f"{path} has no RETURN")


@pytest.fixture
def source():
    return docs.load_source()


@pytest.fixture
def modules(tmp_path):
    """A copy of plugins/modules to break."""
    dest = tmp_path / "modules"
    shutil.copytree(REPO / "plugins" / "modules", dest)
    return dest


def test_every_module_in_the_tree_is_current(source):
    assert docs.check_returns(source) == []
    # and every module file is listed under kinds, with both flavours per kind
    names = {p.stem for p in docs.module_files()}
    assert names == set(docs.module_kinds(source))


def edit(path: Path, old: str, new: str) -> str:
    """Replace old (which must be there) by new in the file; returns the text before."""
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    return text


@pytest.mark.parametrize("module,old,new", [
    # a shared top-level part
    ("backup_report_job_info", "      description: How many are paused.\n", "      description: How many paused.\n"),
    # the normalized block inside jobs.contains
    ("hci_edge_device_job", "          description: V(hci_edge_device).\n", "          description: V(hci).\n"),
])
def test_a_drifted_copy_fails_the_check_and_writing_restores_it(source, modules, module, old, new):
    path = modules / f"{module}.py"
    text = edit(path, old, new)
    assert docs.check_returns(source, modules) == [
        f"{module}.py: the shared parts of RETURN differ from tools/returns.yml; run `make docs`"]
    # writing puts it back, byte for byte
    assert docs.write_returns(source, modules) == []
    assert path.read_text() == text
    assert docs.check_returns(source, modules) == []


def test_kind_specific_parts_are_the_module_s_own(source, modules):
    edit(modules / "panorama_device_job_info.py", "description: The device's name.", "description: The name of the device.")
    assert docs.check_returns(source, modules) == []


def test_removed_markers_and_unlisted_modules_are_reported(source, modules):
    path = modules / "backup_report_job.py"
    path.write_text(path.read_text().replace("# END shared\n", ""))
    shutil.copy(modules / "panorama_device_job.py", modules / "ec2_instance_job.py")
    problems = docs.check_returns(source, modules)
    assert "backup_report_job.py: marker BEGIN shared has no END shared" in problems
    assert "backup_report_job.py: RETURN has no `# BEGIN shared` / `# END shared` markers" in problems
    assert "ec2_instance_job.py: not listed under `kinds:` in tools/returns.yml" in problems
    # writing cannot guess where a region goes
    assert docs.write_returns(source, modules) == problems


def test_a_changed_source_reaches_every_module(source, modules):
    source["shared"]["summary"]["contains"]["paused"]["description"] = "How many are paused for now."
    problems = docs.check_returns(source, modules)
    assert len(problems) == len(docs.module_files(modules)) == 2 * len(source["kinds"])
    docs.write_returns(source, modules)
    for path in docs.module_files(modules):
        assert return_doc(path)["summary"]["contains"]["paused"]["description"] == "How many are paused for now."


@pytest.mark.parametrize("module", ["panorama_device_job_info", "panorama_device_job", "hci_edge_device_job_info"])
def test_rendered_return_is_what_the_source_says(source, module):
    doc = return_doc(REPO / "plugins" / "modules" / f"{module}.py")
    kind, flavour = docs.module_kinds(source)[module]
    normalized = doc["jobs"]["contains"]["normalized"]["contains"]
    assert normalized["provider"]["description"] == f"V({kind})."
    assert normalized["state"]["description"] == source["kinds"][kind]["normalized"]["state"]
    id_option = docs.KINDS[kind].id_option.name  # the registry of kinds
    if flavour == "info":
        assert normalized["job_id"]["description"] == f"The job's ID, to pass back in O({id_option})."
        assert "would_start" not in doc and f"O({id_option})" in doc["job"]["returned"]
    else:
        info = docs.KINDS[kind].info_module
        assert f"O(jobgate.cloud.{info}#module:{id_option})" in normalized["job_id"]["description"]
        assert doc["would_start"]["sample"] == source["kinds"][kind]["would_start"]
    for key in ("job", "summary", "elapsed", "error"):
        assert key in doc


def test_descriptions_in_a_flavour_s_and_a_kind_s_words(source):
    docs_of = {name: return_doc(REPO / "plugins" / "modules" / f"{name}.py")["summary"]
               for name in ("backup_report_job_info", "backup_report_job", "panorama_device_job")}
    assert docs_of["backup_report_job_info"]["description"] == source["flavours"]["info"]["descriptions"]["summary"]
    assert docs_of["backup_report_job"]["description"] == source["flavours"]["start"]["descriptions"]["summary"]
    own = source["kinds"]["panorama_device"]["descriptions"]["start"]
    assert docs_of["panorama_device_job"]["description"] == own["summary"]
    assert docs_of["panorama_device_job"]["contains"]["all_succeeded"]["description"] == own["summary.all_succeeded"]
    # a key no flavour or kind words differently keeps the shared text
    assert docs_of["backup_report_job"]["contains"]["all_succeeded"]["description"] == "Whether every job succeeded."


# ---------------------------------------------------------------------------------------------------------- permissions
def doc_notes(path: Path) -> list:
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "DOCUMENTATION":
            return yaml.safe_load(node.value.value).get("notes") or []
    raise AssertionError(f"{path} has no DOCUMENTATION")


def test_every_module_names_the_actions_it_calls():
    for kind in docs.KINDS.values():
        for flavour, module in kind.modules.items():
            text = " ".join(doc_notes(REPO / "plugins" / "modules" / f"{module}.py"))
            for action in kind.actions(flavour):
                assert f"C({action.name})" in text, (module, action.name)
            assert ("AWS IAM" in text) == (kind.cloud == "aws"), module
    # the start modules that pass a role to AWS Backup say so
    for module in ("backup_job", "restore_job"):
        assert "C(iam:PassRole)" in " ".join(doc_notes(REPO / "plugins" / "modules" / f"{module}.py"))
    assert docs.permissions_drift() == []


def test_a_drifted_permissions_note_fails_the_check_and_writing_restores_it(source, modules):
    path = modules / "backup_job.py"
    text = edit(path, "C(iam:PassRole)", "C(iam:PassRoles)")
    assert docs.check_returns(source, modules) == [
        "backup_job.py: the permissions notes differ from the registry of kinds (plugins/module_utils/_core/kinds.py); "
        "run `make docs`"]
    assert docs.write_returns(source, modules) == []
    assert path.read_text() == text


def test_missing_permissions_markers_are_reported(source, modules):
    path = modules / "restore_job_info.py"
    path.write_text(path.read_text().replace("  # END permissions\n", ""))
    assert docs.check_returns(source, modules) == [
        "restore_job_info.py: marker BEGIN permissions has no END permissions",
        "restore_job_info.py: DOCUMENTATION has no `# BEGIN permissions` / `# END permissions` markers"]


def test_policies_allow_exactly_the_registry_s_actions():
    kinds = list(docs.KINDS.values())

    def union(cloud, flavours):
        return {a.name for k in kinds if k.cloud == cloud for f in flavours for a in k.actions(f)}

    files = {name: json.loads(text) for name, text in docs.policy_files(kinds).items()}
    for purpose, flavours in (("read", ("info",)), ("start", ("info", "start"))):
        policy = files[f"aws-iam-{purpose}.json"]
        allowed = set()
        for statement in policy["Statement"]:
            assert statement["Effect"] == "Allow"
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            allowed |= set(actions)
            if actions == ["iam:PassRole"]:
                assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "backup.amazonaws.com"}}
        assert allowed == union("aws", flavours), purpose
        role = files[f"azure-role-{purpose}.json"]
        assert set(role["Actions"]) == union("azure", flavours) and role["IsCustom"] is True
    assert "iam:PassRole" not in json.dumps(files["aws-iam-read.json"])
    assert not any(name.endswith("/write") for name in files["azure-role-read.json"]["Actions"])


def test_a_new_action_reaches_the_notes_and_the_policies(tmp_path):
    """A kind's new action in the registry makes the check fail until `make docs` writes it everywhere."""
    kinds = dict(docs.KINDS)
    kind = kinds["backup_job"]
    extra = kind.actions("info") + (type(kind.info_actions[0])("backup:GetSomething", "read something"),)
    kinds["backup_job"] = dataclasses.replace(kind, info_actions=extra)
    page, policies = tmp_path / "permissions.md", tmp_path / "permissions"
    docs.write_permissions(docs.KINDS, page, policies)
    assert docs.permissions_drift(docs.KINDS, page, policies) == []
    assert len(docs.permissions_drift(kinds, page, policies)) == 3  # the page and both IAM policies
    docs.write_permissions(kinds, page, policies)
    assert "`backup:GetSomething`" in page.read_text()
    assert "backup:GetSomething" in (policies / "aws-iam-read.json").read_text()
    assert "C(backup:GetSomething)" in " ".join(docs.permission_notes(kinds["backup_job"], "info"))


def test_the_event_source_page_carries_its_documentation():
    # The docs tools are the primary version's (tests/requirements-dev.txt); the smoke tiers' venvs have no
    # antsibull-docs, and the primary tier runs this test.
    pytest.importorskip("antsibull_docs_parser", reason="the docs tools are installed in the primary tier only")
    doc = docs.load_doc(REPO / docs.EVENT_SOURCE)
    # the fragments' options (AWS and Azure connection) are merged in, the source's own stay its own
    assert {"kind", "interval", "region", "access_key", "tenant", "auth_source"} <= set(doc["options"])
    page = docs.event_source_rst(doc)
    assert page.startswith(f".. _{docs.EVENT_SOURCE_LABEL}:\n")
    assert "jobgate.cloud.job_status event source -- " + doc["short_description"] in page
    for option in doc["options"]:
        assert f"\n``{option}``\n" in page
    assert "choices: ``terminal``, ``transitions``" in page and "default: ``30``" in page
    # semantic markup rendered as RST, not left as O(...) / V(...) / E(...)
    assert not re.search(r"\b[OVEC]\([a-z_]", page)
    assert r":literal:`AWS\_REGION`" in page
    # the page's own options link to their entries; an info module's option (job_id) that the page lacks is literal
    assert f":ref:`emit=terminal <{docs.EVENT_SOURCE_LABEL}__parameter-emit>`" in page
    assert r":literal:`job\_id`" in page and "(of event_source plugin" not in page
    assert "- jobgate.cloud.job_status:" in page.split(".. code-block:: yaml+jinja", 1)[1]


def test_site_links_turn_guide_and_policy_links_into_the_site_s():
    text = ("see [docs/permissions.md](permissions.md), [the policy](permissions/aws-iam-read.json), "
            "[elsewhere](https://example.invalid/x.md) and [a file](other.md)")
    assert docs.site_links(text) == (
        "see {doc}`docs/permissions.md </collections/jobgate/cloud/docsite/permissions>`, "
        f"{{download}}`the policy </{docs.GUIDES_DIR}/permissions/aws-iam-read.json>`, "
        "[elsewhere](https://example.invalid/x.md) and [a file](other.md)")


def test_the_lists_of_kinds_in_the_tree_are_current():
    assert docs.kind_lists(write=False) == []


@pytest.fixture
def kind_list_files(tmp_path):
    """Copies of the three files that list kinds outside the modules, each with its writer."""
    files = {}
    for path, make in docs.KIND_LISTS.items():
        copy = tmp_path / path.name
        shutil.copy(path, copy)
        files[copy] = make
    return files


def test_a_new_kind_reaches_the_action_groups_and_both_kind_choices(kind_list_files):
    """A kind added to the registry fails the check until `make docs` writes it into all three files."""
    kinds = dict(docs.KINDS)
    kinds["tape_job"] = dataclasses.replace(kinds["copy_job"], name="tape_job", info_module="tape_job_info",
                                            start_module="tape_job")
    assert docs.kind_lists(False, docs.KINDS, kind_list_files) == []
    assert len(docs.kind_lists(False, kinds, kind_list_files)) == 3
    assert docs.kind_lists(True, kinds, kind_list_files) == []
    assert docs.kind_lists(False, kinds, kind_list_files) == []
    by_name = {path.name: path for path in kind_list_files}
    runtime = yaml.safe_load(by_name["runtime.yml"].read_text())
    assert runtime["action_groups"]["aws"][-2:] == ["tape_job_info", "tape_job"]
    assert runtime["action_groups"]["wait_for_job"][-1] == "tape_job_info"
    assert runtime["plugin_routing"]["modules"]["tape_job_info"] == {"action_plugin": "ansible.legacy.normal"}
    assert runtime["requires_ansible"] == ">=2.18.0"  # what lies outside the markers is kept
    role = yaml.safe_load(by_name["argument_specs.yml"].read_text())["argument_specs"]["main"]["options"]
    assert role["wait_for_job_kind"]["choices"][-1] == "tape_job"
    assert "wait_for_job_jobs" in role
    for node in ast.parse(by_name["job_status.py"].read_text()).body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "DOCUMENTATION":
            options = yaml.safe_load(node.value.value)["options"]
    assert options["kind"]["choices"] == [*docs.KINDS, "tape_job"]
    assert options["kind"]["required"] is True


def test_a_list_of_kinds_without_its_markers_is_reported(kind_list_files):
    path = next(p for p in kind_list_files if p.name == "runtime.yml")
    path.write_text(path.read_text().replace("# END kinds\n", ""))
    problems = docs.kind_lists(True, docs.KINDS, kind_list_files)
    assert problems == [f"{path}: needs exactly one `# BEGIN kinds` and one `# END kinds` after it"]
    assert "# BEGIN kinds" in path.read_text()  # nothing written where the region cannot be found
