"""AWX readiness: the execution environment definition builds a context, and a playbook runs through
ansible-runner (what AWX uses) with credentials only in the variables AWX's credential types inject.

AWX's injectors (awx/main/models/credential/injectors.py): "Amazon Web Services" sets AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY and, when an STS token is set, AWS_SECURITY_TOKEN; "Microsoft Azure Resource Manager" sets
AZURE_SUBSCRIPTION_ID, AZURE_CLIENT_ID, AZURE_SECRET, AZURE_TENANT and, when given, AZURE_CLOUD_ENVIRONMENT.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

from harness import EmulatorProcess, assert_no_secrets

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HERE = Path(__file__).resolve().parent
VERSION = yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
TARBALL = REPO / ".build" / "dist" / f"jobgate-cloud-{VERSION}.tar.gz"
SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLEsessiontokenForAWXtest"


@pytest.fixture(scope="module")
def collection_tarball() -> Path:
    """The built collection, as `make build` leaves it (built here when a test runs on its own)."""
    if not TARBALL.exists():
        subprocess.run([str(BIN / "ansible-galaxy"), "collection", "build", "--force", "--output-path",
                        str(TARBALL.parent), str(REPO)], check=True, capture_output=True)
    return TARBALL


def test_collection_meta_points_ansible_builder_at_its_requirements(collection_tarball):
    meta = yaml.safe_load((REPO / "meta" / "execution-environment.yml").read_text())
    assert meta["version"] == 3
    assert meta["dependencies"] == {"python": "requirements.txt", "system": "bindep.txt"}
    with tarfile.open(collection_tarball) as tar:
        names = set(tar.getnames())
        requirements = tar.extractfile("requirements.txt").read().decode()
    # introspection inside the EE reads these from the installed collection
    assert {"meta/execution-environment.yml", "requirements.txt", "bindep.txt", "meta/runtime.yml",
            "roles/wait_for_job/meta/argument_specs.yml"} <= names
    for package in ("boto3", "botocore", "azure-identity", "requests"):
        assert package in requirements


def builder_create(name: str, tmp_path: Path, collection_tarball: Path) -> tuple:
    """`ansible-builder create` on the definition `name`: (definition, its galaxy requirement, Containerfile, _build)."""
    definition = yaml.safe_load((REPO / name).read_text())
    assert definition["version"] == 3
    (req,) = definition["dependencies"]["galaxy"]["collections"]
    assert req == {"name": f"/build/collections/{collection_tarball.name}", "type": "file"}, \
        f"{name} must install the collection version galaxy.yml names"
    context = tmp_path / "context"
    proc = subprocess.run([str(BIN / "ansible-builder"), "create", "-f", str(REPO / name),
                           "-c", str(context), "--output-filename", "Containerfile", "-v", "3"],
                          cwd=str(REPO), capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No matches" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    return definition, req, (context / "Containerfile").read_text(), context / "_build"


def test_ansible_builder_create(tmp_path, collection_tarball):
    ee, req, containerfile, build = builder_create("execution-environment.yml", tmp_path, collection_tarball)
    assert f'ARG EE_BASE_IMAGE="{ee["images"]["base_image"]["name"]}"' in containerfile
    assert "FROM base AS galaxy" in containerfile
    assert "ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml" in containerfile
    assert "COPY _build /build" in containerfile
    assert "introspect.py introspect --user-pip=requirements.txt --user-bindep=bindep.txt" in containerfile
    assert "ansible-core>=2.21,<2.22" in containerfile and "ansible-runner" in containerfile
    # the tarball galaxy installs in the image is in the context, byte for byte
    assert (build / "collections" / collection_tarball.name).read_bytes() == collection_tarball.read_bytes()
    galaxy = yaml.safe_load((build / "requirements.yml").read_text())
    assert galaxy == {"collections": [req]}
    assert (build / "requirements.txt").read_text() == (REPO / "requirements.txt").read_text()
    assert (build / "bindep.txt").read_text() == (REPO / "bindep.txt").read_text()


def test_ansible_builder_create_decision_environment(tmp_path, collection_tarball):
    _de, _req, containerfile, build = builder_create("decision-environment.yml", tmp_path, collection_tarball)
    assert "ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml" in containerfile
    # the collection's own requirements come in by introspection, the DE's on top
    assert "introspect.py introspect --user-pip=requirements.txt --user-bindep=bindep.txt" in containerfile
    assert "ansible-core>=2.21,<2.22" in containerfile and "ansible-runner" in containerfile
    assert (build / "collections" / collection_tarball.name).read_bytes() == collection_tarball.read_bytes()
    assert "ansible-rulebook" in (build / "requirements.txt").read_text()
    assert "java-17-openjdk" in (build / "bindep.txt").read_text()
    # the collection declares the event source where ansible-rulebook looks for it
    with tarfile.open(collection_tarball) as tar:
        names = set(tar.getnames())
    assert {"meta/extensions.yml", "extensions/eda/plugins/event_source/job_status.py",
            "extensions/eda/rulebooks/panorama_ota_succeeded.yml", "extensions/eda/rulebooks/backup_report_failed.yml",
            "playbooks/eda_ota_succeeded.yml", "playbooks/eda_notify_backup_report_failed.yml"} <= names


@pytest.fixture
def emulator_with_token(tmp_path_factory):
    emu = EmulatorProcess(tmp_path_factory.mktemp("emulator"), extra_args=["--aws-session-token", SESSION_TOKEN])
    try:
        yield emu
    finally:
        emu.stop()


def test_playbook_through_ansible_runner_with_awx_credential_env(tmp_path, monkeypatch, emulator_with_token):
    ansible_runner = pytest.importorskip("ansible_runner")
    emu = emulator_with_token
    aws, az = emu.state["aws"], emu.state["azure"]
    device_ids = emu.admin("POST", "/jobs", {"jobs": [
        {"kind": "panorama_device", "timeline": [["PENDING", 0], ["IN_PROGRESS", 1], ["COMPLETED", 5]]},
        {"kind": "panorama_device", "timeline": [["COMPLETED", 0]]}]})["job_ids"]
    uri = (f"/subscriptions/{az['subscription_id']}/resourceGroups/edge-rg/providers/"
           "Microsoft.HybridCompute/machines/node-1")
    emu.admin("POST", "/jobs", {"kind": "hci_edge_device", "resource_uri": uri, "name": "remote-support-9",
                                "job_type": "RemoteSupport", "timeline": [["Scheduled", 0], ["Succeeded", 5]]})

    # Nothing of the test runner's own cloud setup may leak in: only what AWX would inject.
    for name in list(os.environ):
        if name.startswith(("AWS_", "AZURE_", "ANSIBLE_")) or name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))

    awx_aws = {"AWS_ACCESS_KEY_ID": aws["access_key"], "AWS_SECRET_ACCESS_KEY": aws["secret_key"],
               "AWS_SECURITY_TOKEN": SESSION_TOKEN}
    awx_azure = {"AZURE_SUBSCRIPTION_ID": az["subscription_id"], "AZURE_CLIENT_ID": az["client_id"],
                 "AZURE_SECRET": az["secret"], "AZURE_TENANT": az["tenant"],
                 # the credential's "Azure Cloud Environment" field; here a Resource Manager URL (Azure Stack style)
                 "AZURE_CLOUD_ENVIRONMENT": emu.https_endpoint}
    not_credentials = {
        # in AWX the collection is installed in the EE; here it is the work tree
        "ANSIBLE_COLLECTIONS_PATH": os.environ.get("ANSIBLE_COLLECTIONS_PATH_FOR_TESTS") or str(REPO / ".build" / "dev"),
        # the emulator's private CA (in AWX: trusted in the EE image)
        "REQUESTS_CA_BUNDLE": emu.ca_file,
        "AWS_CONFIG_FILE": str(tmp_path / "absent-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "absent-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AZURE_CONFIG_DIR": str(tmp_path / "absent-azure-config"),
    }
    private = tmp_path / "runner"
    (private / "project").mkdir(parents=True)
    (private / "inventory").mkdir()
    (private / "project" / "gate.yml").write_text((HERE / "awx" / "gate.yml").read_text())
    (private / "inventory" / "hosts.yml").write_text(yaml.safe_dump({"all": {"hosts": {"localhost": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}))
    out_file = tmp_path / "seen.json"
    extravars = {"aws_endpoint_url": emu.aws_endpoint, "aws_region": aws["region"], "device_job_ids": device_ids,
                 "hci_job_names": ["remote-support-9"], "hci_resource_uri": uri, "out_file": str(out_file)}
    emu.clear_requests()

    run = ansible_runner.run(private_data_dir=str(private), playbook="gate.yml", extravars=extravars,
                             envvars={**awx_aws, **awx_azure, **not_credentials}, quiet=True, timeout=300)
    stdout = run.stdout.read()
    assert run.status == "successful" and run.rc == 0, stdout[-6000:]
    seen = json.loads(out_file.read_text())
    assert seen["device_jobs"]["total"] == 2
    assert seen["aws"]["summary"]["all_succeeded"] is True and seen["aws"]["timed_out"] is False
    assert [j["normalized"]["job_id"] for j in seen["aws"]["jobs"]] == device_ids
    assert seen["hci"]["summary"]["all_succeeded"] is True
    assert seen["hci"]["jobs"][0]["name"] == "remote-support-9"

    log = emu.requests()
    aws_calls = [r for r in log if r.get("service") == "panorama"]
    arm_calls = [r for r in log if r.get("bearer")]
    assert aws_calls and all(r["signed"] and r["auth_ok"] for r in aws_calls), aws_calls
    assert arm_calls and all(r["auth_ok"] for r in arm_calls), arm_calls
    # neither the secrets nor the STS token show up in what AWX would store as job output
    events = "\n".join(json.dumps(e) for e in run.events)
    assert_no_secrets(stdout + events, emu)
    assert SESSION_TOKEN not in stdout + events
