# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The event source's arguments: checked with the info modules' own argument specs and checks, before any request.

ansible-rulebook validates nothing of a source's arguments, so everything is checked here: the source's own
options (kind, interval, emit, on_start), then the rest against the argument spec of the kind's info module (the
same names, aliases, types, choices and environment fallbacks), then the kind's own checks (ids, filters, resource
ids). The client is built at the first poll, in a worker thread.
"""
from __future__ import annotations

import typing as t

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.jobgate.cloud.plugins.module_utils._eda import kinds
from ansible_collections.jobgate.cloud.plugins.module_utils._eda.watch import (
    DEFAULT_INTERVAL, EMIT_CHOICES, MIN_INTERVAL, ON_START_CHOICES, SOURCE_NAME, Watch, mask,
)
from ansible_collections.jobgate.cloud.plugins.module_utils._errors import JobGateError, bad_input

SOURCE_ARG_SPEC: dict = {
    "kind": {"type": "str", "required": True, "choices": list(kinds.KINDS)},
    "interval": {"type": "int", "default": DEFAULT_INTERVAL},
    "emit": {"type": "str", "default": "terminal", "choices": list(EMIT_CHOICES)},
    "on_start": {"type": "str", "default": "emit", "choices": list(ON_START_CHOICES)},
}
# Keys ansible-rulebook itself may add to a source's arguments.
ENGINE_KEYS = ("eda_feedback_queue",)


def _fail(kind: str | None, msg: str, secrets: t.Iterable[str] = ()) -> JobGateError:
    where = f" ({kind})" if kind else ""
    return bad_input(mask(f"{SOURCE_NAME}{where} stopped: bad arguments: {msg}", secrets))


def check_params(spec: dict, params: dict) -> tuple:
    """(validated params, no_log values) for ``params`` against an Ansible argument spec, without AnsibleModule.

    Types are converted, aliases and defaults applied, choices and unknown options refused; the errors are joined
    into one message (raised as a ValidationError ``JobGateError``).
    """
    result = ArgumentSpecValidator(spec).validate(dict(params))
    secrets = tuple(str(value) for value in result._no_log_values)  # pylint: disable=protected-access
    if result.error_messages:
        unknown = sorted(result.unsupported_parameters)
        messages = [m for m in result.error_messages if not (unknown and "Supported parameters include" in m)]
        if unknown:
            messages.insert(0, f"unknown option(s) {', '.join(unknown)}")
        raise bad_input(mask("; ".join(messages), secrets))
    return result.validated_parameters, secrets


def _names(spec: dict) -> set:
    """Every name an argument spec accepts: options and their aliases."""
    names = set(spec)
    for option in spec.values():
        names.update(option.get("aliases") or ())
    return names


def prepare(args: t.Mapping) -> Watch:
    """The source's arguments -> a ``Watch`` ready to poll; any bad input raises before a request is sent."""
    args = {key: value for key, value in dict(args or {}).items() if key not in ENGINE_KEYS}
    # None means "not set", as in a module (a rulebook's `{{ x | default(none) }}` renders to None).
    args = {key: value for key, value in args.items() if value is not None}
    own = {key: args.pop(key) for key in list(args) if key in SOURCE_ARG_SPEC}
    kind = own.get("kind") if own.get("kind") in kinds.KINDS else None
    try:
        options, _secrets = check_params(SOURCE_ARG_SPEC, own)
    except JobGateError as err:
        raise _fail(kind, err.msg) from None
    kind = options["kind"]
    spec = kinds.KINDS[kind]
    if options["interval"] < MIN_INTERVAL:
        raise _fail(kind, f"interval must be at least {MIN_INTERVAL} seconds, got {options['interval']}.")
    foreign = sorted(key for key in args if key not in _names(spec.arg_spec))
    if foreign:
        owners = {key: [name for name, other in kinds.KINDS.items() if key in _names(other.arg_spec)] for key in foreign}
        whose = [f"{key} (an option of {', '.join(owners[key])})" if owners[key] else key for key in foreign]
        raise _fail(kind, f"unknown option(s) for kind {kind}: {', '.join(whose)}.")
    secrets: tuple = ()
    try:
        params, secrets = check_params(spec.arg_spec, args)
        ids, connect = spec.build(params)
    except JobGateError as err:
        raise _fail(kind, err.msg, secrets) from None
    return Watch(kind=kind, connect=connect, ids=ids, location_of=spec.location, interval=options["interval"],
                 emit=options["emit"], on_start=options["on_start"], secrets=secrets)
