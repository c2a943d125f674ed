# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A params dict checked against the modules' argument specs without AnsibleModule (for the event source)."""
from __future__ import annotations

import typing as t

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import bad_input
from ansible_collections.jobgate.cloud.plugins.module_utils._core.redact import scrub


def spec_names(spec: t.Mapping) -> set:
    """Every name an argument spec accepts: its options and their aliases."""
    names = set(spec)
    for option in spec.values():
        names.update(option.get("aliases") or ())
    return names


def check_params(spec: dict, params: t.Mapping) -> tuple:
    """(validated params, no_log values) of ``params`` against an Ansible argument spec, as AnsibleModule checks them.

    Types are converted, aliases, defaults and fallbacks applied, choices and unknown options refused. All errors
    come in one ValidationError ``JobGateError`` whose message masks the values of ``no_log`` options.
    """
    result = ArgumentSpecValidator(spec).validate(dict(params))
    secrets = tuple(str(value) for value in result._no_log_values)  # pylint: disable=protected-access
    if result.error_messages:
        unknown = sorted(result.unsupported_parameters)
        messages = [m for m in result.error_messages if "Supported parameters include" not in m]
        if unknown:
            messages.insert(0, f"unknown option(s) {', '.join(unknown)}")
        raise bad_input(scrub("; ".join(messages), secrets))
    return result.validated_parameters, secrets
