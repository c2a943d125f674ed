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

from ansible_collections.jobgate.cloud.plugins.module_utils._core import kinds as registry
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError, bad_input
from ansible_collections.jobgate.cloud.plugins.module_utils._core.params import check_params, spec_names
from ansible_collections.jobgate.cloud.plugins.module_utils._core.redact import scrub
from ansible_collections.jobgate.cloud.plugins.module_utils._eda import kinds
from ansible_collections.jobgate.cloud.plugins.module_utils._eda.watch import (
    DEFAULT_INTERVAL, EMIT_CHOICES, MIN_INTERVAL, ON_START_CHOICES, SOURCE_NAME, Watch,
)

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
    return bad_input(scrub(f"{SOURCE_NAME}{where} stopped: bad arguments: {msg}", secrets))


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
    foreign = sorted(key for key in args if key not in spec_names(spec.INFO_ARG_SPEC))
    if foreign:
        owners = {key: [name for name, other in kinds.KINDS.items() if key in spec_names(other.INFO_ARG_SPEC)]
                  for key in foreign}
        whose = [f"{key} (an option of {', '.join(owners[key])})" if owners[key] else key for key in foreign]
        raise _fail(kind, f"unknown option(s) for kind {kind}: {', '.join(whose)}.")
    secrets: tuple = ()
    try:
        params, secrets = check_params(spec.INFO_ARG_SPEC, args)
        selection = spec.select_jobs(params)
    except JobGateError as err:
        raise _fail(kind, err.msg, secrets) from None
    # The kind's list filters given (from the registry of kinds): the source's start line names them.
    filters = {key: params[key] for key in registry.KINDS[kind].list_filters if params.get(key) is not None}
    return Watch(kind=kind, connect=selection.connect, ids=selection.ids, interval=options["interval"],
                 emit=options["emit"], on_start=options["on_start"], secrets=secrets, filters=filters)
