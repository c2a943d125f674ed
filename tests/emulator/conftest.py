"""Fixtures for the emulator's own tests: an in-process emulator and real boto3 clients pointed at it."""
from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path

import boto3
import botocore.session
import pytest
from botocore.config import Config

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from emulator.aws import load_panorama_model  # noqa: E402
from emulator.core import Emulator, random_aws_credentials, random_azure_credentials, start_listeners  # noqa: E402
from emulator.tls import make_tls  # noqa: E402


class InProcess:
    def __init__(self, workdir: Path) -> None:
        aws = random_aws_credentials()
        aws["region"] = "us-east-1"
        self.ca_file = workdir / "ca.pem"
        tls = make_tls(self.ca_file)
        self.config = {"pid": 0, "aws": aws, "azure": random_azure_credentials(), "ca_file": str(self.ca_file)}
        self.emu = Emulator(self.config)
        self.listeners = start_listeners(self.emu, "127.0.0.1", 0, 0, tls)
        port = self.listeners.http.server_address[1]
        self.endpoint = f"http://127.0.0.1:{port}"
        self.https_endpoint = f"https://localhost:{self.listeners.https.server_address[1]}"
        self.aws = aws

    def admin(self, method: str, path: str, payload=None):
        data = None if payload is None else json.dumps(payload).encode()
        req = urllib.request.Request(f"{self.endpoint}/_emulator{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def requests(self):
        return self.admin("GET", "/requests")


@pytest.fixture(scope="session")
def panorama_model_dir(tmp_path_factory) -> Path:
    """The carried Panorama model laid out the way botocore's loader looks for it."""
    import importlib.util
    root = tmp_path_factory.mktemp("models")
    spec = importlib.util.spec_from_file_location("_pm", REPO / "plugins/module_utils/_panorama/model.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    target = root / "panorama" / mod.API_VERSION
    target.mkdir(parents=True)
    (target / "service-2.json").write_text(json.dumps(mod.SERVICE_MODEL))
    (target / "endpoint-rule-set-1.json").write_text(json.dumps(mod.ENDPOINT_RULESET))
    return root


@pytest.fixture
def emu(tmp_path):
    inst = InProcess(tmp_path)
    try:
        yield inst
    finally:
        inst.listeners.shutdown()


def make_session(model_dir: Path) -> botocore.session.Session:
    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    loader.search_paths.insert(0, str(model_dir))
    return session


@pytest.fixture(scope="session")
def shared_session(panorama_model_dir):
    """One botocore session for all tests, so service models are loaded once."""
    return boto3.Session(botocore_session=make_session(panorama_model_dir), region_name="us-east-1")


@pytest.fixture
def clients(emu, shared_session):
    """make(service, secret=, access=, token=, retries=0) -> a real boto3 client for the emulator.
    Retries are off by default, so every fault is seen as sent."""
    def make(service, *, secret=None, access=None, token=None, retries=0, **kw):
        cfg = Config(retries={"total_max_attempts": retries + 1, "mode": "standard"}, connect_timeout=5,
                     read_timeout=10)
        return shared_session.client(service, endpoint_url=emu.endpoint, config=cfg,
                                     aws_access_key_id=access or emu.aws["access_key"],
                                     aws_secret_access_key=secret or emu.aws["secret_key"],
                                     aws_session_token=token, **kw)

    return make


@pytest.fixture
def raw_model():
    return load_panorama_model()
