"""Trees for networks past the exact range from cotengra's partition builder,
with a budget counted in trials so that a seed always gives the same trees.

cotengra (a well-kept library for contraction trees of large networks) builds
trees by recursive graph partitioning; its ``labels`` partitioner needs no
optional native package.  cotengra's own ``HyperOptimizer`` tunes the
partitioner's parameters with a time- and entropy-driven optimiser, so two
runs give different trees.  Here the parameters are tuned by a seeded (1+1)
evolution strategy instead, started at the centre of the space: trial ``j`` perturbs the best parameters so far
by a step that shrinks with ``j``, and the global ``random`` state cotengra
draws from is seeded per trial (and restored afterwards).  Polishing and the
choice among candidates are the caller's (:mod:`.search`).

cotengra is imported on first use: loading it takes a quarter of a second.
"""

from __future__ import annotations

import math
import random
from typing import Any, Iterator, Mapping, Sequence

from tncc.passes.order.paths import linear_to_ssa, one_char_indices, SSAPath

# cotengra's search space for the labels partitioner (its get_hyper_space()):
# name -> (kind, low, high); kinds: "exp" (log-uniform), "float", "int", "bool", "choice"
SPACE: dict[str, tuple] = {
    "random_strength": ("exp", 0.01, 1.0),
    "weight_edges": ("choice", "const", "log"),
    "cutoff": ("int", 10, 40),
    "parts": ("int", 2, 16),
    "memory": ("int", -2, 1),
    "pop_small_bias": ("float", 0.0, 2.0),
    "pop_big_bias": ("float", 0.0, 2.0),
    "pop_decay": ("float", 0.0, 10.0),
    "con_pow": ("float", 0.0, 10.0),
    "final_sweep": ("bool",),
}


def _decode(x: Mapping[str, float]) -> dict:
    """Parameters from a point of the unit cube (one coordinate per name)."""
    out = {}
    for name, spec in SPACE.items():
        u = min(1.0, max(0.0, x[name]))
        kind = spec[0]
        if kind == "exp":
            out[name] = math.exp(math.log(spec[1]) + u * (math.log(spec[2]) - math.log(spec[1])))
        elif kind == "float":
            out[name] = spec[1] + u * (spec[2] - spec[1])
        elif kind == "int":
            out[name] = min(spec[2], spec[1] + int(u * (spec[2] - spec[1] + 1)))
        elif kind == "bool":
            out[name] = u >= 0.5
        else:
            out[name] = spec[1 + min(len(spec) - 2, int(u * (len(spec) - 1)))]
    return out


def partition_trees(inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int],
                    trials: int, seed: int = 0, reconf: bool = True) -> Iterator[tuple[SSAPath, float]]:
    """Yield ``(path, flops)`` for ``trials`` partition-built trees; the same
    arguments give the same trees.  ``flops`` is cotengra's cost estimate,
    which steers the parameter search only (callers re-score the path).
    With ``reconf`` each tree gets cotengra's subtree reconfiguration (windows
    of 8 tensors, its DP; no outer products), as in its HyperOptimizer."""
    import cotengra  # noqa: F401  (registers the partitioners)
    from cotengra.hyperoptimizers.hyper import _PATH_FNS

    build = _PATH_FNS["labels"]
    ins, output, sizes = one_char_indices(inputs, output, sizes)
    rng = random.Random(seed)
    # start at the centre of the space: a random start often lands in a corner (many parts, high
    # bias) whose trees cost orders of magnitude more, and the few trials big networks afford
    # rarely walk out of it (3-regular graphs of 200-300 tensors: about 2-10x cheaper in geometric mean)
    best_x = {name: 0.5 for name in SPACE}
    best_cost = math.inf
    saved = random.getstate()
    try:
        for j in range(trials):
            if j == 0:
                x = best_x
            else:
                step = 0.5 / math.sqrt(j)
                x = {k: min(1.0, max(0.0, v + rng.gauss(0.0, step))) for k, v in best_x.items()}
            tseed = rng.randrange(1 << 30)
            random.seed(tseed)  # what cotengra draws from when not given a seed
            tree = build(ins, tuple(output), dict(sizes), seed=tseed, **_decode(x))
            if reconf:
                # what cotengra's HyperOptimizer does to every trial for a flops objective
                tree.subtree_reconfigure_(subtree_size=8, seed=tseed, minimize="flops")
            cost = float(tree.contraction_cost())
            if cost < best_cost:
                best_cost, best_x = cost, x
            yield tree_ssa(tree, len(ins)), cost
    finally:
        random.setstate(saved)


def tree_ssa(tree: Any, n: int) -> SSAPath:  # a cotengra ContractionTree (the package ships no types)
    return linear_to_ssa([tuple(s) for s in tree.get_path()], n)
