# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A request's whole time on the deadline: a watchdog that cuts a connection when its request's budget ends.

Connect and read timeouts bound each socket operation, not a request: an answer whose body arrives a byte at a
time never trips a read timeout, and a 5 s budget became 41 s. Every HTTP request the collection sends (botocore's
service and STS clients, requests' sessions for Resource Manager, azure-core's transport for the token endpoints)
goes through urllib3, whose connection pools make their connections from ``ConnectionCls``. ``guard_pool_manager``
gives a pool manager pool classes whose connections, each time they connect or send a request, tell the watchdog
when that request's time ends (the deadline's end, or a tighter one the calling thread set with ``tighter``).
When it ends and the connection is still in that request (sending it, awaiting its head, or with its body unread),
the watchdog shuts the socket down: the read blocked in it returns at once, and the client sees a broken
connection. ``was_cut`` tells the caller that this is
what happened, so it reports a timeout, not a network or TLS error. The thread starts with the first bounded request.
"""
from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time
import typing as t
import weakref
from contextlib import contextmanager

from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline


class Watchdog:
    """One thread per process that shuts down connections whose request outlived its deadline."""

    def __init__(self, clock: t.Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Condition()
        self._heap: list = []              # (real end, seq, connection weakref)
        self._seq = itertools.count(1)
        self._cut: dict = {}               # thread id -> seq of its request that was cut
        self._local = threading.local()    # a thread's tighter deadline (``tighter``)
        self._thread: threading.Thread | None = None

    def watch(self, conn: t.Any, deadline: Deadline) -> None:
        """``conn`` starts a request now for the calling thread: cut it when its deadline (or the thread's tighter
        one) ends, unless another request on it starts first."""
        tighter_one = getattr(self._local, "deadline", None)
        ends = [d.remaining() for d in (deadline, tighter_one) if d is not None and d.bounded]
        seq = next(self._seq)
        thread = threading.get_ident()
        with self._lock:
            conn._jobgate_watch = (seq, thread)  # pylint: disable=protected-access  # our own mark on the connection
            self._cut.pop(thread, None)
            if not ends:
                return
            heapq.heappush(self._heap, (self.clock() + min(ends), seq, weakref.ref(conn)))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="jobgate-watchdog", daemon=True)
                self._thread.start()
            self._lock.notify()

    def was_cut(self) -> bool:
        """True when the calling thread's last request was cut by the watchdog (then it is a timeout)."""
        with self._lock:
            return self._cut.pop(threading.get_ident(), None) is not None

    @contextmanager
    def tighter(self, deadline: Deadline) -> t.Iterator[None]:
        """Requests this thread sends inside the block also end at ``deadline`` (e.g. a long-running operation's
        follower, whose time is shorter than the module's)."""
        before = getattr(self._local, "deadline", None)
        self._local.deadline = deadline
        try:
            yield
        finally:
            self._local.deadline = before

    def _run(self) -> None:
        with self._lock:
            while True:
                now = self.clock()
                while self._heap and self._heap[0][0] <= now:
                    _at, seq, ref = heapq.heappop(self._heap)
                    conn = ref()
                    mark = getattr(conn, "_jobgate_watch", None)
                    if mark is not None and mark[0] == seq and _busy(conn):   # still in the request it was set for
                        self._cut[mark[1]] = seq
                        _shut(getattr(conn, "sock", None))
                self._lock.wait(self._heap[0][0] - now if self._heap else None)


def _busy(conn: t.Any) -> bool:
    """Whether ``conn`` is still in a request: sending it, waiting for its answer's head, or with its body unread.

    http.client keeps this in two name-mangled attributes (stable since Python 3.0): the state is not Idle until
    the answer's head is read, and the answer is kept until its body is read to the end. Where they cannot be read,
    the connection counts as busy (cut: the request outlived its deadline, or the connection idles in the pool).
    """
    state = getattr(conn, "_HTTPConnection__state", None)
    if state is None:
        return True
    response = getattr(conn, "_HTTPConnection__response", None)
    return state != "Idle" or (response is not None and not response.isclosed())


def _shut(sock: t.Any) -> None:
    """Shut a socket down (the plain socket's own call: a TLS socket's would tear its state down under a reader)."""
    if isinstance(sock, socket.socket):
        try:
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError:  # already closed or never connected: nothing is waiting on it
            pass


WATCHDOG = Watchdog()


def was_cut() -> bool:
    return WATCHDOG.was_cut()


def tighter(deadline: Deadline) -> t.ContextManager[None]:
    return WATCHDOG.tighter(deadline)


def _guarded_pool(pool_cls: type, deadline: Deadline) -> type:
    base = pool_cls.ConnectionCls

    class Connection(base):  # type: ignore[misc,valid-type]  # urllib3's (or botocore's) connection class
        def connect(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
            WATCHDOG.watch(self, deadline)
            return super().connect(*args, **kwargs)

        def request(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
            WATCHDOG.watch(self, deadline)
            return super().request(*args, **kwargs)

    Connection.__name__ = Connection.__qualname__ = f"Deadline{base.__name__}"
    return type(f"Deadline{pool_cls.__name__}", (pool_cls,), {"ConnectionCls": Connection})


def guarded_pool_classes(classes: t.Mapping[str, type], deadline: Deadline) -> dict:
    """A pool manager's ``pool_classes_by_scheme`` whose connections are watched on ``deadline``."""
    return {scheme: cls if getattr(cls, "_jobgate_guarded", False) else
            type(cls.__name__, (_guarded_pool(cls, deadline),), {"_jobgate_guarded": True})
            for scheme, cls in classes.items()}


def guard_pool_manager(manager: t.Any, deadline: Deadline) -> bool:
    """Watch the requests of every pool ``manager`` (a urllib3 PoolManager) makes from now on; False when it is not
    laid out as urllib3's (then only the per-read timeouts bound a request)."""
    classes = getattr(manager, "pool_classes_by_scheme", None)
    if not isinstance(classes, dict):
        return False
    manager.pool_classes_by_scheme = guarded_pool_classes(classes, deadline)
    return True
