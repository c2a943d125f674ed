"""Helpers for the AWS integration tests: a signed client built by the collection's own _aws package."""
from __future__ import annotations

import importlib
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_ROOT: list = []


def collection_module(name: str):
    """Import ansible_collections.jobgate.cloud.plugins.module_utils.<name> from this work tree."""
    if not _ROOT:
        root = Path(tempfile.mkdtemp(prefix="jobgate-it-coll-"))
        link = root / "ansible_collections" / "jobgate" / "cloud"
        link.parent.mkdir(parents=True)
        link.symlink_to(REPO, target_is_directory=True)
        _ROOT.append(str(root))
        if "ansible_collections.jobgate.cloud" not in sys.modules:
            sys.path.insert(0, str(root))
    return importlib.import_module(f"ansible_collections.jobgate.cloud.plugins.module_utils.{name}")


def aws_client(emulator, service: str, **overrides):
    """A client that signs with the emulator's credentials, as a user's boto3 would."""
    aws = collection_module("_aws.client")
    settings = collection_module("_aws.settings")
    # Importing it registers the carried Panorama model with the AWS loader, as the Panorama modules do.
    collection_module("_panorama.service")
    creds = emulator.state["aws"]
    params = {"access_key": creds["access_key"], "secret_key": creds["secret_key"],
              "session_token": creds.get("session_token"), "region": creds["region"],
              "endpoint_url": emulator.aws_endpoint}
    params.update(overrides)
    return aws.AwsClient(settings.resolve_settings(params, {}), service).client


def start_ota(emulator, device_id: str, image_version: str = "4.3.55") -> str:
    """CreateJobForDevices (signed) for one device; returns the job id."""
    client = aws_client(emulator, "panorama")
    out = client.create_job_for_devices(DeviceIds=[device_id], JobType="OTA",
                                        DeviceJobConfig={"OTAJobConfig": {"ImageVersion": image_version}})
    return out["Jobs"][0]["JobId"]


def add_devices(emulator, *device_ids: str) -> None:
    emulator.admin("POST", "/devices", {"devices": [{"device_id": d, "name": f"hub-{d}"} for d in device_ids]})


def seed(emulator, kind: str, count: int = 1, **spec) -> list:
    return emulator.admin("POST", "/jobs", dict(spec, kind=kind, count=count))["job_ids"]


def aws_requests(emulator) -> list:
    """Logged requests to the emulated AWS services (admin calls are not logged)."""
    return [r for r in emulator.requests() if r.get("service") in ("panorama", "backup") or r.get("signed")]
