"""The index-sharing optimum from cotengra's Rust dynamic programme
(``cotengrust.optimize_optimal``), run in a child process that can be
stopped.

cotengrust implements a connected-subgraph DP with cost caps like
:mod:`.ccp`, compiled, and is several times faster than the pure-Python DP
(``bench/csse.py --only families``).  Two properties shape how it is used:

* **It cannot be interrupted.**  A Rust call holds its thread until it
  returns, and on a network just past its reach it runs for minutes (a 10x10
  lattice: more than a minute).  So it runs in a forked child
  (:func:`start`): the parent does other work meanwhile (the heuristic
  search, on the other core), then waits for the child until its deadline
  and kills it when that passes (:meth:`RustRun.wait`).  Fork is cheap (a
  few milliseconds: the child shares the parent's pages) and needs no second
  interpreter start-up, unlike ``spawn`` or ``forkserver`` (a fresh Python
  that imports cotengrust: about 0.1 s per call or per server).  It is safe
  here even when the parent has other threads (OR-Tools' solver may have
  run): the child only calls Rust code (glibc's allocator is reset across
  fork) and writes a pipe, then leaves with ``os._exit`` without running
  any Python finaliser.  Where ``os.fork`` does not exist the Rust DP is not
  used.
* **Its costs are floating-point.**  It scores in ``f32`` logarithms, so its
  tree is trusted for nothing: the caller re-scores it with tncc's exact
  integer objective and proves or improves it with :func:`.ccp.below`
  (outer products included).

Its ``flops`` objective is the product of the sizes of every index a step
touches, summed over steps: tncc's MAC count (:class:`.objectives.Macs`).
With a write weight ``ws`` its ``combo=ws/wm`` objective adds ``ws/wm``
times each step's result size, i.e. the additive form ``wm * MACs + ws *
size`` scaled by ``1 / wm``.  It is asked for index-sharing trees only:
with ``search_outer`` it is slower by one to two orders of magnitude at 20
tensors (outer products of small tensors are cheap, so few subsets are
pruned), while tncc's own outer-product round starts from a tight cap.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import time
from typing import Mapping, Sequence

from tncc.passes.order.paths import SSAPath, one_char_indices


def available() -> bool:
    """Whether cotengrust can be imported and run in a child process here."""
    if not hasattr(os, "fork"):
        return False
    try:
        import cotengrust  # noqa: F401
    except ImportError:
        return False
    return True


def rust_optimum(inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int],
                 wm: int = 1, ws: int = 0) -> SSAPath | None:
    """An SSA path minimising ``wm * MACs + ws * size`` over trees whose every
    step shares an index (up to cotengrust's floating-point rounding), or
    ``None`` when cotengrust is missing, ``wm == 0`` or its answer is not one
    full tree.  The network must be connected.  Runs in this process and
    cannot be stopped: :func:`start` runs it in a child with a deadline."""
    if wm <= 0:
        return None
    try:
        import cotengrust
    except ImportError:
        return None
    short, short_out, sz = one_char_indices(inputs, output, sizes)
    ins, out = [list(ix) for ix in short], list(short_out)
    minimize = "flops" if ws == 0 else f"combo={ws / wm!r}"
    path = cotengrust.optimize_optimal(ins, out, sz, minimize=minimize, search_outer=False, use_ssa=True)
    if any(len(step) != 2 for step in path):
        return None  # a lone tensor reduced by itself (an index no other tensor has): not a tree of pairs
    ssa = tuple((int(a), int(b)) for a, b in path)
    used = [i for step in ssa for i in step]
    n = len(inputs)
    if len(ssa) != n - 1 or sorted(used) != list(range(2 * n - 2)) or any(
            max(step) >= n + j for j, step in enumerate(ssa)):
        return None  # not one full tree (its simplifications can merge steps): let the Python DP work
    return ssa


class RustRun:
    """One :func:`rust_optimum` call running in a forked child.  Call
    :meth:`wait` (or :meth:`cancel`) exactly once: both reap the child."""

    def __init__(self, pid: int, fd: int):
        self.pid = pid
        self.fd = fd
        self.done = False

    def ready(self) -> bool:
        """Whether the child has answered (or died): :meth:`wait` will not block."""
        return bool(select.select([self.fd], [], [], 0)[0])

    def wait(self, deadline: float) -> tuple[SSAPath | None, str]:
        """``(path, "")`` when the child answered by ``deadline`` (a
        ``time.perf_counter()`` value; the path is ``None`` when the Rust DP
        gave no full tree); ``(None, why)`` when it was killed at the
        deadline or failed."""
        chunks: list[bytes] = []
        try:
            while True:
                left = deadline - time.perf_counter()
                ready = select.select([self.fd], [], [], max(0.0, left))[0] if left > 0 else []
                if not ready:
                    self._kill()
                    return None, "time limit reached in the Rust DP; it was stopped"
                chunk = os.read(self.fd, 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            self._reap()
        try:
            kind, value = pickle.loads(b"".join(chunks))
        except Exception:  # the child died without a whole answer (killed from outside, out of memory)
            return None, "the Rust DP stopped without an answer"
        if kind != "ok":
            return None, f"the Rust DP failed: {value}"
        return value, ""

    def cancel(self) -> None:
        """Stop the child (when its answer is no longer wanted)."""
        try:
            self._kill()
        finally:
            self._reap()

    def _kill(self) -> None:
        if not self.done:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def _reap(self) -> None:
        if not self.done:
            self.done = True
            os.close(self.fd)
            os.waitpid(self.pid, 0)


def _die_with_parent() -> None:
    """Ask Linux to kill this child when its parent dies (``prctl(PR_SET_PDEATHSIG)``):
    a search killed from outside must not leave a Rust DP running for minutes.
    Best effort: elsewhere the parent's own kill at the deadline is all there is."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def start(inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int],
          wm: int = 1, ws: int = 0) -> RustRun | None:
    """Start :func:`rust_optimum` in a forked child and return at once;
    ``None`` when the Rust DP is unavailable or cannot express the objective."""
    if wm <= 0 or not available():
        return None
    import cotengrust  # noqa: F401  (imported before the fork, so the child does not load it again)

    inputs = [tuple(ix) for ix in inputs]
    output = tuple(output)
    sizes = dict(sizes)
    r, w = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: compute, answer, leave without running the parent's clean-up
        status = 0
        try:
            os.close(r)
            _die_with_parent()
            if os.getppid() != parent:  # the parent died before the request took effect
                raise SystemExit
            try:
                answer: tuple[str, object] = ("ok", rust_optimum(inputs, output, sizes, wm, ws))
            except BaseException as exc:  # report any failure to the parent, never raise here
                answer = ("error", repr(exc))
            data = pickle.dumps(answer)
            view = memoryview(data)
            while view:
                view = view[os.write(w, view):]
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    os.close(w)
    return RustRun(pid, r)
