"""Benchmark of CSSE (tncc.passes.order) against opt_einsum and cotengra.

Everything runs in one process on the same networks:

* every distinct statement of the example programs (tensorized layers, CP
  reconstruction, MPS, PEPS, ...);
* random networks from opt_einsum's generator (``rand_equation``), 6 to 40
  tensors;
* 20 instances from the ``einsum_benchmark`` generators (lattices, trees,
  matrix chains, MPS, hypernetworks);
* the training-step examples, planned jointly and statement by statement.

Costs are MACs in one convention for every tool (each pairwise step costs the
product of the sizes of every index of its operands), computed by CSSE's
counter from each tool's path.  Times are wall-clock seconds of the path
search alone.  Targets (printed as PASS/MISS):

* up to 12 tensors: CSSE returns a proven optimum no worse than any tool,
  with median search time no more than opt_einsum ``dp``'s;
* larger: median CSSE cost at most 1.1x cotengra's HyperOptimizer (32
  repeats), each search within the 10 s limit.

The structured families (3-regular graphs, lattices, MPS chains and trees at
20 to 300 tensors, against opt_einsum's dp and random-greedy, cotengra's Rust
DP and HyperOptimizer) and the start-up comparison of ``tncc plan`` with an
opt_einsum one-liner are in :mod:`csse_families`.

Run ``python bench/csse.py`` (about forty minutes on two cores), with
``--quick`` (fewer sizes), or one part with ``--only families|startup|examples|model``
(the families narrowed with ``--family NAME`` and ``--sizes 200,300``)
(``model``: the machine model's error against the emulator on the examples).
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import os
import statistics
import sys
import time
import warnings

warnings.filterwarnings("ignore")

import opt_einsum as oe  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tncc  # noqa: E402
from tncc.ir import Role  # noqa: E402
from tncc.passes.order.hardware import plan_costs  # noqa: E402
from tncc.passes.order.paths import linear_to_ssa, path_macs  # noqa: E402
from tncc.passes.order.planner import contractions, plan_network, resolve_arch  # noqa: E402
from tncc.passes.order.search import search  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclasses.dataclass
class Problem:
    name: str
    inputs: list[tuple[str, ...]]
    output: tuple[str, ...]
    sizes: dict[str, int]

    @property
    def n(self) -> int:
        return len(self.inputs)


def from_equation(name: str, eq: str, shapes, sizes=None) -> Problem:
    lhs, out = eq.split("->")
    inputs = [tuple(t) for t in lhs.split(",")]
    if sizes is None:
        sizes = {}
        for ix, sh in zip(inputs, shapes):
            for i, d in zip(ix, sh):
                sizes[i] = int(d)
    return Problem(name, inputs, tuple(out), {k: int(v) for k, v in sizes.items()})


def example_problems() -> list[Problem]:
    out, seen = [], set()
    for f in sorted(glob.glob(os.path.join(ROOT, "examples", "*.tn"))):
        for net in tncc.load_file(f):
            sizes = net.sizes()
            for c in contractions(net):
                if len(c.inputs) < 3:
                    continue
                key = (tuple(c.inputs), c.output, tuple(sorted((i, sizes[i]) for ix in c.inputs for i in ix)))
                if key in seen:
                    continue
                seen.add(key)
                # single-character index names, as opt_einsum's equations need
                sym = {i: oe.get_symbol(k) for k, i in enumerate(dict.fromkeys(i for ix in c.inputs for i in ix))}
                out.append(Problem(f"{net.name}:{c.statement}", [tuple(sym[i] for i in ix) for ix in c.inputs],
                                   tuple(sym[i] for i in c.output), {sym[i]: sizes[i] for i in sym}))
    return out


def random_problems(ns: list[int]) -> list[Problem]:
    from opt_einsum.testing import rand_equation

    out = []
    for k, n in enumerate(ns):
        eq, shapes, sizes = rand_equation(n, 3, n_out=2, d_min=2, d_max=8, seed=100 + k, return_size_dict=True)
        out.append(from_equation(f"rand{n}", eq, shapes, sizes))
    return out


def generator_problems(quick: bool) -> list[Problem]:
    from einsum_benchmark.generators.quantum_computing import matrix_product_state
    from einsum_benchmark.generators.random import connected_hypernetwork
    from einsum_benchmark.generators.structured import lattice, matrix_chain, tree

    out = []
    for dims in ((3, 3), (3, 4), (2, 2, 3), (5, 5)):
        eq, shapes = lattice(dims, d_min=2, d_max=4, seed=1)
        out.append(from_equation(f"lattice{'x'.join(map(str, dims))}", eq, shapes))
    for n in (8, 12, 20, 40):
        eq, shapes = tree(n, d_min=2, d_max=8, n_outer=2, seed=n)
        out.append(from_equation(f"tree{n}", eq, shapes))
    for n in (6, 10, 12, 20):
        eq, shapes = matrix_chain(n, 4, 64, seed=n)
        out.append(from_equation(f"chain{n}", eq, shapes))
    for n in (4, 6, 10, 20):
        eq, shapes = matrix_product_state(n, 2, 6, 8, seed=n)
        out.append(from_equation(f"mps{2 * n}", eq, shapes))
    for n in (8, 10, 12, 24):
        eq, shapes, sizes = connected_hypernetwork(n, 2.5, max_edge_order=3, number_of_output_indices=2,
                                                   min_axis_size=2, max_axis_size=6, seed=n, return_size_dict=True)
        out.append(from_equation(f"hyper{n}", eq, shapes, sizes))
    if quick:
        out = [p for p in out if p.name in ("lattice3x3", "tree12", "tree40", "chain12", "mps8", "mps40",
                                             "hyper10", "hyper24")]
    return out


def timed(fn):
    t = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t


def run_tools(p: Problem, exact_range: bool, quick: bool) -> dict[str, tuple[int, float]]:
    import cotengra as ctg

    eq = ",".join("".join(ix) for ix in p.inputs) + "->" + "".join(p.output)
    shapes = [tuple(p.sizes[i] for i in ix) for ix in p.inputs]
    res: dict[str, tuple[int, float]] = {}

    def cost_linear(path) -> int:
        return path_macs(p.inputs, p.output, p.sizes, linear_to_ssa([tuple(s) for s in path], p.n))

    r, t = timed(lambda: search(p.inputs, p.output, p.sizes, time_limit=10.0))
    res["csse"] = (r.score, t)
    res["csse_proven"] = (int(r.proven_optimal), 0.0)
    if p.n <= (8 if quick else 10):
        path, t = timed(lambda: oe.contract_path(eq, *shapes, shapes=True, optimize="optimal")[0])
        res["oe-optimal"] = (cost_linear(path), t)
    if p.n <= (12 if exact_range else 16):
        dp = oe.paths.DynamicProgramming(minimize="flops", search_outer=True)
        path, t = timed(lambda: oe.contract_path(eq, *shapes, shapes=True, optimize=dp)[0])
        res["oe-dp"] = (cost_linear(path), t)
    path, t = timed(lambda: oe.contract_path(eq, *shapes, shapes=True, optimize="greedy")[0])
    res["oe-greedy"] = (cost_linear(path), t)
    if exact_range:
        opt = ctg.OptimalOptimizer(minimize="flops", search_outer=True)
        path, t = timed(lambda: opt(p.inputs, p.output, p.sizes))
        res["ctg-optimal"] = (cost_linear(path), t)
    hyper = ctg.HyperOptimizer(max_repeats=32, progbar=False, minimize="flops", parallel=False)
    path, t = timed(lambda: hyper(p.inputs, p.output, p.sizes))
    res["ctg-hyper"] = (cost_linear(path), t)
    return res


TOOLS = ("csse", "oe-optimal", "oe-dp", "oe-greedy", "ctg-optimal", "ctg-hyper")


def print_table(title: str, rows: list[tuple[Problem, dict]]) -> None:
    print(f"\n== {title} ==")
    head = f"{'network':<28}{'n':>4} " + "".join(f"{t:>22}" for t in TOOLS) + "  proven"
    print(head)
    print(" " * 33 + "".join(f"{'MACs':>13}{'ms':>9}" for _ in TOOLS))
    for p, res in rows:
        cells = []
        for t in TOOLS:
            if t in res:
                c, s = res[t]
                cells.append(f"{c:>13.3g}{s * 1e3:>9.1f}")
            else:
                cells.append(f"{'-':>13}{'-':>9}")
        print(f"{p.name[:27]:<28}{p.n:>4} " + "".join(cells) + f"  {'yes' if res['csse_proven'][0] else 'no'}")


def separate_network(net, st):
    """A network holding only statement ``st`` (earlier results become inputs)."""
    names = {op.tensor for op in st.operands} | {st.result}
    tensors = tuple(dataclasses.replace(t, role=Role.INPUT) if t.name != st.result and t.role not in (Role.INPUT, Role.PARAM)
                    else t for t in net.tensors if t.name in names)
    used = {i for t in tensors for i in t.indices} | {i for op in st.operands for i in op.indices}
    return dataclasses.replace(net, tensors=tensors, statements=(st,), outputs=(st.result,), grads=(),
                               indices=tuple(ix for ix in net.indices if ix.name in used))


SEARCH_SECONDS = 10.0  # the joint-planning table's search budget (more than the compiler's default)


def training_table(quick: bool) -> None:
    print("\n== training steps: joint plan vs each network planned alone ==")
    print(f"{'network':<16}{'nets':>5}{'joint MACs':>14}{'alone MACs':>14}{'saved':>8}"
          f"{'joint fetta cyc':>17}{'alone fetta cyc':>17}{'joint syst cyc':>16}{'alone syst cyc':>16}{'ms':>8}")
    archs = {a: resolve_arch(a) for a in ("fetta", "systolic")}
    for f in sorted(glob.glob(os.path.join(ROOT, "examples", "*.tn"))):
        for net in tncc.load_file(f):
            if not any(st.grad_of for st in net.statements):
                continue
            if quick and len(net.statements) > 10:
                continue
            joint, t = timed(lambda: plan_network(net, time_limit=SEARCH_SECONDS))
            alone = sum(plan_network(separate_network(net, st), time_limit=SEARCH_SECONDS).macs()
                        for st in net.statements)
            cyc = {}
            for a, arch in archs.items():
                jp = plan_network(net, objective="cycles", arch=arch, time_limit=SEARCH_SECONDS)
                cyc[a] = (plan_costs(jp, arch)[0],
                          sum(plan_costs(plan_network(separate_network(net, st), objective="cycles", arch=arch,
                                                       time_limit=SEARCH_SECONDS), arch)[0]
                              for st in net.statements))
            print(f"{net.name:<16}{len(net.statements):>5}{joint.macs():>14,d}{alone:>14,d}"
                  f"{1 - joint.macs() / alone:>8.1%}{cyc['fetta'][0]:>17,d}{cyc['fetta'][1]:>17,d}"
                  f"{cyc['systolic'][0]:>16,d}{cyc['systolic'][1]:>16,d}{t * 1e3:>8.1f}")


def model_error_table(quick: bool) -> None:
    """The machine model against the emulator over the example networks, on
    both presets: the per-step sum the CP-SAT stage minimises (``plan_costs``),
    the compiled plan's model (``modelled_cycles``) and the lower bound of
    any order (``lower_bound``) over emulated cycles; their distribution
    (quartiles) across networks."""
    from tncc.passes.bound import lower_bound

    print("\n== machine model vs emulator (examples, both presets) ==")
    sums: dict[str, list[float]] = {"fetta": [], "systolic": []}
    bounds: dict[str, list[float]] = {"fetta": [], "systolic": []}
    exact = 0
    runs = 0
    for f in sorted(glob.glob(os.path.join(ROOT, "examples", "*.tn"))):
        for net in tncc.load_file(f):
            if quick and net.name.startswith("deepoheat"):
                continue
            for a in ("fetta", "systolic"):
                c = tncc.compile(net, a)
                cycles = c.run().report["cycles"]
                sums[a].append(plan_costs(c.plan, c.arch)[0] / cycles)
                bounds[a].append(lower_bound(net, c.arch).cycles / cycles)
                exact += c.modelled_cycles() == cycles
                runs += 1
    for what, table in (("per-step sum", sums), ("lower bound", bounds)):
        for a, vals in table.items():
            q = statistics.quantiles(vals, n=4) if len(vals) > 1 else vals * 3
            print(f"{a:<9} {what} / emulated over {len(vals)} networks: min {min(vals):.2f}, quartiles "
                  f"{q[0]:.2f} {q[1]:.2f} {q[2]:.2f}, max {max(vals):.2f}")
    print(f"compiled plan's model equal to the emulated cycles on {exact} of {runs} runs")


def main(argv: list[str] | None = None) -> int:
    from csse_families import FAMILIES, families_table, startup_table

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer and smaller networks (a few minutes)")
    ap.add_argument("--only", choices=("all", "families", "startup", "examples", "model"), default="all",
                    help="run one part: the structured families, the start-up comparison, the examples and "
                         "random networks with the training steps, or the machine model's error (default: all)")
    ap.add_argument("--family", action="append", choices=FAMILIES,
                    help="structured families: run only this family (repeatable)")
    ap.add_argument("--sizes", type=lambda v: [int(x) for x in v.split(",")],
                    help="structured families: run only these sizes, comma-separated (e.g. 200,300)")
    args = ap.parse_args(argv)
    quick = args.quick

    if args.only in ("all", "startup"):
        startup_table(5 if quick else 9)
    if args.only in ("all", "families"):
        families_table(quick, args.family, args.sizes)
    if args.only == "model":
        model_error_table(quick)
        return 0
    if args.only not in ("all", "examples"):
        return 0
    search([("a", "b"), ("b", "c")], ("a", "c"), {"a": 2, "b": 2, "c": 2})  # warm imports
    problems = example_problems()
    problems += random_problems([6, 8, 10, 12] if quick else [6, 7, 8, 9, 10, 11, 12])
    problems += random_problems([16, 24, 40] if quick else [14, 16, 20, 25, 30, 35, 40])
    problems += generator_problems(quick)
    small = [p for p in problems if p.n <= 12]
    large = [p for p in problems if p.n > 12]
    rows_small = [(p, run_tools(p, True, quick)) for p in small]
    rows_large = [(p, run_tools(p, False, quick)) for p in large]
    print_table("exact range (<= 12 tensors)", rows_small)
    print_table("large networks (> 12 tensors)", rows_large)

    best_ok = all(r["csse_proven"][0] and r["csse"][0] <= min(r[t][0] for t in TOOLS if t in r) for _, r in rows_small)
    med = {t: statistics.median([r[t][1] for _, r in rows_small if t in r]) for t in ("csse", "oe-dp", "ctg-optimal")}
    tensorized = [r for p, r in rows_small if p.name.startswith(("tt_", "ttm_", "encoder"))]
    print("\n== summary ==")
    print(f"exact range: {len(rows_small)} networks; proven optimum no worse than every tool on all: "
          f"{'PASS' if best_ok else 'MISS'}")
    print(f"  median search ms: CSSE {med['csse'] * 1e3:.2f}, opt_einsum dp {med['oe-dp'] * 1e3:.2f}, "
          f"cotengra optimal {med['ctg-optimal'] * 1e3:.2f}  -> {'PASS' if med['csse'] <= med['oe-dp'] else 'MISS'}")
    if tensorized:
        slowest = max(r['csse'][1] for r in tensorized)
        print(f"  tensorized-layer networks ({len(tensorized)}): median CSSE "
              f"{statistics.median(r['csse'][1] for r in tensorized) * 1e3:.2f} ms (slowest {slowest * 1e3:.2f} ms), "
              f"cotengra optimal {statistics.median(r['ctg-optimal'][1] for r in tensorized) * 1e3:.2f} ms"
              f"  -> {'PASS' if slowest <= 2e-3 else 'MISS'} (every one under 2 ms)")
    if rows_large:
        ratios = [r["csse"][0] / r["ctg-hyper"][0] for _, r in rows_large]
        worst_t = max(r["csse"][1] for _, r in rows_large)
        print(f"large: {len(rows_large)} networks; median cost CSSE / cotengra hyper = {statistics.median(ratios):.3f} "
              f"(best {min(ratios):.3f}, worst {max(ratios):.3f}); slowest CSSE search {worst_t:.2f} s "
              f"-> {'PASS' if statistics.median(ratios) <= 1.1 and worst_t <= 10.5 else 'MISS'}")
    training_table(quick)
    model_error_table(quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
