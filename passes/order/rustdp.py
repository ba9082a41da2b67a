"""The index-sharing optimum from cotengra's Rust dynamic programme
(``cotengrust.optimize_optimal``), a seed for tncc's exact search.

cotengrust implements the same connected-subgraph DP with cost caps as
:mod:`.ccp`, compiled, and is several times faster than the pure-Python DP
on the same networks (``bench/csse.py --only families``).  Its costs are
floating-point logarithms, so its tree is trusted for nothing: the caller
re-scores it with tncc's exact integer objective and proves or improves it
with :func:`.ccp.below` (outer products included) or :func:`.ccp.dp_connected`.

Its ``flops`` objective is the product of the sizes of every index a step
touches, summed over steps: tncc's MAC count (:class:`.objectives.Macs`).
With a write weight ``ws`` its ``combo=ws/wm`` objective adds ``ws/wm``
times each step's result size, i.e. the additive form ``wm * MACs + ws *
size`` scaled by ``1 / wm``.

cotengrust is optional: without it (or for an objective it cannot express)
:func:`rust_optimum` returns ``None`` and the Python DP does the work.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from tncc.passes.order.paths import SSAPath


def available() -> bool:
    """Whether cotengrust can be imported here."""
    try:
        import cotengrust  # noqa: F401
    except ImportError:
        return False
    return True


def rust_optimum(inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int],
                 wm: int = 1, ws: int = 0) -> SSAPath | None:
    """An SSA path minimising ``wm * MACs + ws * size`` over trees whose every
    step shares an index (up to cotengrust's floating-point rounding), or
    ``None`` when cotengrust is missing or ``wm == 0``.  The network must be
    connected.  No work budget: callers decide beforehand that it is affordable."""
    if wm <= 0:
        return None
    try:
        import cotengrust
    except ImportError:
        return None
    # one character per index: cotengrust takes string indices; renaming keeps any name safe
    sym = {i: chr(0x100 + k) for k, i in enumerate(dict.fromkeys([i for ix in inputs for i in ix] + list(output)))}
    ins = [[sym[i] for i in ix] for ix in inputs]
    out = [sym[i] for i in output]
    sz = {sym[i]: int(sizes[i]) for i in sym}
    minimize = "flops" if ws == 0 else f"combo={ws / wm!r}"
    path = cotengrust.optimize_optimal(ins, out, sz, minimize=minimize, search_outer=False, use_ssa=True)
    ssa = tuple((int(a), int(b)) for a, b in path)
    used = [i for step in ssa for i in step]
    n = len(inputs)
    if len(ssa) != n - 1 or sorted(used) != list(range(2 * n - 2)) or any(
            max(step) >= n + j for j, step in enumerate(ssa)):
        return None  # not one full tree (its simplifications can merge steps): let the Python DP work
    return ssa
