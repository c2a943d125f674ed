# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""botocore's data loader for one service, and service models the collection carries for a botocore that lacks them.

A kind whose service botocore may lack registers its model here (``register_carried_model``) when it is imported,
so this module names no service and Ansible ships a model only in the payloads of the modules that use it.
"""
from __future__ import annotations

import json
import os
import threading
import typing as t

try:
    import botocore.loaders
except ImportError:  # reported by the module through missing_required_lib
    botocore = None  # type: ignore[assignment]

_MODEL_LOCK = threading.Lock()
_MODEL_DIR: list = []  # one private directory per process, made on first need
_WRITTEN: set = set()  # the services whose carried model is in it
CARRIED_MODELS: dict = {}  # service -> (api version, service model, endpoint rule set)


def register_carried_model(service: str, api_version: str, service_model: dict, endpoint_ruleset: dict) -> None:
    CARRIED_MODELS[service] = (api_version, service_model, endpoint_ruleset)


def _carried_model_dir(service: str) -> str:
    """Write the carried model of service where botocore's loader expects it: <service>/<version>/service-2.json."""
    import atexit  # pylint: disable=import-outside-toplevel  # only a service without a botocore model needs these
    import shutil  # pylint: disable=import-outside-toplevel
    import tempfile  # pylint: disable=import-outside-toplevel

    with _MODEL_LOCK:
        if not _MODEL_DIR:
            root = tempfile.mkdtemp(prefix="jobgate-botocore-")
            atexit.register(shutil.rmtree, root, True)
            _MODEL_DIR.append(root)
        root = _MODEL_DIR[0]
        if service not in _WRITTEN:
            api_version, service_model, endpoint_ruleset = CARRIED_MODELS[service]
            target = os.path.join(root, service, api_version)
            os.makedirs(target)
            for name, data in (("service-2.json", service_model), ("endpoint-rule-set-1.json", endpoint_ruleset)):
                with open(os.path.join(target, name), "w", encoding="utf-8") as handle:
                    json.dump(data, handle)
            _WRITTEN.add(service)
        return root


def _has_type(loader: t.Any, path: str, service: str, type_name: str) -> bool:
    """Whether <path>/<service>/<any version>/<type_name> exists in a form the loader reads (.json, .json.gz)."""
    folder = os.path.join(path, service)
    try:
        versions = os.listdir(folder)
    except OSError:
        return False
    return any(loader.file_loader.exists(os.path.join(folder, version, type_name)) for version in versions)


def _loader_has_model(loader: t.Any, service: str) -> bool:
    return any(_has_type(loader, path, service, "service-2") for path in loader.search_paths)


def scoped_loader(data_path: str | None, service: str) -> t.Any:
    """botocore's data loader for a session that makes one client of ``service`` (and STS clients).

    ``Loader.list_available_services`` lists every directory of botocore's data (over 400 services, twice per
    client) only so that ``load_service_model`` can check the asked service is among them; this loader answers
    the same question for the one service by looking at that service's directories only. Everything else is
    botocore's own ``Loader``, on the search paths that ``create_loader`` gives for AWS_DATA_PATH. STS is always
    listed too: credential providers on the same session create STS clients (assume role, and botocore's chain
    for web identity or a profile's role_arn).
    """
    paths = list(botocore.loaders.create_loader(data_path).search_paths)
    wanted = (service,) if service == "sts" else (service, "sts")

    class ScopedLoader(botocore.loaders.Loader):
        def list_available_services(self, type_name):
            return [name for name in wanted
                    if any(_has_type(self, path, name, type_name) for path in self.search_paths)]

    return ScopedLoader(extra_search_paths=paths, include_default_search_paths=False)


def ensure_carried_model(session: t.Any, service: str) -> bool:
    """Give botocore's loader our carried model of service when its own data lacks it; True when we added ours.

    The directory goes last on the search path, so a botocore (or ~/.aws/models) that has the model wins.
    """
    if service not in CARRIED_MODELS:
        return False
    loader = session.get_component("data_loader")
    if _loader_has_model(loader, service):
        return False
    loader.search_paths.append(_carried_model_dir(service))
    return True
