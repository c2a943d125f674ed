# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The job source protocol (one per kind) and what reads jobs through it: id selection, bounded concurrent fetches."""
from __future__ import annotations

import typing as t
from dataclasses import dataclass

from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError, bad_input

MAX_WORKERS = 8
# From this many ids on, a source with fetch_batch reads them through its list API first (one page can answer
# hundreds); below it, describes are as cheap and always exact.
BATCH_MIN = 4


class JobSource:
    """One per provider. Subclasses implement describe, list_jobs and location."""

    provider: str = ""
    id_label: str = "job"

    def describe(self, job_id: str) -> dict:
        """The raw API job; raises JobGateError (a not-found names the id and the location)."""
        raise NotImplementedError

    def list_jobs(self) -> list:
        """Raw jobs of list mode, paginated to the end, each with a real status."""
        raise NotImplementedError

    def location(self) -> str:
        """Where jobs are looked for, as a message phrase: "in region us-east-1"."""
        return ""

    def location_key(self) -> str:
        """Where jobs are looked for, as a stable name (the event source derives its event ids from it)."""
        return self.location()

    def list_since(self, since: t.Any = None, known: t.Collection = ()) -> list:
        """List mode for a caller that polls the list again and again (the event source): what ``list_jobs``
        returns, except that a source may leave out jobs created before ``since`` (an aware datetime: no job the
        caller still follows, nor any new one, is older) where its list API filters by creation, and may return
        the bare list entry, undescribed, of a job whose id is in ``known`` (jobs whose end the caller has seen).
        """
        return self.list_jobs()

    def fetch_batch(self, ids: list, hints: dict) -> dict | None:
        """Optional: many jobs in few requests (a list API whose entries are what describe returns).

        ``hints`` maps ids to the raw job last seen (may be empty). Returns {id: raw} for the ids it could answer
        (any subset; the rest are described one by one), or None when the source cannot batch. Must bound the
        pages it reads (see ``pick_from_pages``).
        """
        return None


def pick_from_pages(pages: t.Iterable, ids: t.Iterable, key: t.Callable) -> dict:
    """{id: item} for the asked ids found in a list's pages (iterables of items), reading as few pages as it can.

    Stops once every id is found, or once the pages read exceed the ids still missing: past that point describing
    the missing ones costs fewer requests than paging on. ``key(item)`` gives the id an item answers (or None).
    """
    wanted = set(ids)
    found: dict = {}
    read = 0
    for page in pages:
        read += 1
        for item in page:
            job_id = key(item)
            if job_id in wanted and job_id not in found:
                found[job_id] = item
        missing = len(wanted) - len(found)
        if not missing or read > missing:
            break
    return found


def where_phrase(source: JobSource) -> str:
    try:
        place = source.location()
    except Exception:  # pylint: disable=broad-except  # a message must never fail because of its decoration
        place = ""
    return f" {place}" if place else ""


@dataclass(frozen=True)
class Selection:
    """An info request, checked before any request: the ids asked for (None: list mode) and how to build the
    kind's JobSource (its client talks only when used; building it may read cloud metadata). ``connect(deadline)``
    takes a module's deadline (``_core/deadline.py``); without one its client has none."""

    ids: t.Optional[list]
    connect: t.Callable[..., JobSource]


# ---------------------------------------------------------------------------------------------------------- input
def select_ids(params: t.Mapping, one: str, many: str, check: t.Callable | None = None) -> list | None:
    """The ids asked for: [one], the many (deduplicated, order kept), or None for list mode.

    ``check(option, value)``, where given, is the kind's own check of each id (it raises bad input).
    """
    single = params.get(one)
    several = params.get(many)
    if single is not None and several is not None:
        raise bad_input(f"Options {one} and {many} are mutually exclusive: give one job with {one} or several with {many}.")
    if single is not None:
        if not isinstance(single, str) or not single.strip():
            raise bad_input(f"Option {one} must be a non-empty string.")
        ids, option = [single], one
    elif several is None:
        return None
    elif not isinstance(several, (list, tuple)) or not several:
        # An empty list (often a template that found nothing) must not silently become "every job there is".
        raise bad_input(f"Option {many} must name at least one job; leave it out to list every job.")
    else:
        ids, option = [], many
        for item in several:
            if not isinstance(item, str) or not item.strip():
                raise bad_input(f"Every entry of {many} must be a non-empty string.")
            if item not in ids:
                ids.append(item)
    if check is not None:
        for job_id in ids:
            check(option, job_id)
    return ids


# ---------------------------------------------------------------------------------------------------------- fetching
def _batch(source: JobSource, ids: list, hints: dict) -> dict:
    """What the source's list API answers for ids; {} when it cannot (then every id is described)."""
    if len(ids) < BATCH_MIN or getattr(source, "_batch_refused", False):
        return {}
    try:
        found = source.fetch_batch(ids, hints)
    except JobGateError as err:
        if err.retryable:
            raise  # a describe of each would meet the same throttling or outage, only more often
        # e.g. a policy that allows Describe* but not List*: fall back to describes, and stop trying the list.
        source._batch_refused = True  # pylint: disable=protected-access
        return {}
    return {k: v for k, v in (found or {}).items() if k in ids}


def fetch_many(source: JobSource, ids: list, max_workers: int = MAX_WORKERS, hints: dict | None = None) -> list:
    """The raw job of every id, in the order of ids.

    With ``BATCH_MIN`` ids or more and a source that implements ``fetch_batch``, the list API answers what it can;
    every id it did not return is described (with a bounded pool), so nothing is lost and a not-found surfaces
    as a describe's. If any describe fails, the first failure in the order of ids is raised and calls not yet
    started are dropped. ``hints``: {id: raw job last seen}, for sources that can use it.
    """
    ids = list(ids)
    found = _batch(source, ids, hints or {})
    rest = [job_id for job_id in ids if job_id not in found]
    if len(rest) <= 1 or max_workers <= 1:
        for job_id in rest:   # a loop, not a comprehension: no frame between this and describe
            found[job_id] = source.describe(job_id)
        return [found[job_id] for job_id in ids]
    from concurrent.futures import ThreadPoolExecutor  # pylint: disable=import-outside-toplevel  # only when several ids

    with ThreadPoolExecutor(max_workers=min(max_workers, len(rest))) as pool:
        futures = [pool.submit(source.describe, job_id) for job_id in rest]
        for index, (job_id, future) in enumerate(zip(rest, futures)):
            try:
                found[job_id] = future.result()
            except BaseException:
                for later in futures[index + 1:]:
                    later.cancel()
                raise
    return [found[job_id] for job_id in ids]
