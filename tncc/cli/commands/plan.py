"""``tncc plan FILE``: search the contraction order of a network and print it."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from tncc.errors import TnccError
from tncc.frontend import load_network
from tncc.ir import Network
from tncc.isa.arch import Arch
from tncc.passes.order.paths import ssa_to_linear
from tncc.passes.order.planner import DEFAULT_TIME_LIMIT, plan_network, resolve_arch
from tncc.passes.order.report import peak_size, statement_paths, step_rows
from tncc.passes.order.strategies import get_strategy

HELP = "search the contraction order (CSSE) and print the plan"
DESCRIPTION = """\
Search the order in which a network's tensors are contracted (every statement,
forward and gradients, jointly) and print each step: its operands, the indices
it sums, its MACs, the size of what it writes and, with --arch, its dataflow
and modelled cycles.  Totals are compared with the naive left-to-right order
and the greedy order; the last line says whether the plan is proven optimal.

MACs count, for each pairwise step, the product of the sizes of every index of
either operand (cotengra's total_flops convention).  --json prints one object
with at least macs, peak_size, path (opt_einsum's linear format, per
statement in paths), proven_optimal and search_seconds.

examples:
  tncc plan examples/tt_linear.tn
  tncc plan examples/tt_linear.tn --arch systolic --objective cycles
  tncc plan examples/deepoheat.tn --network deepoheat --objective size --json"""

OBJECTIVES = ("macs", "size", "write", "cycles", "energy", "edp")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help=".tn program")
    parser.add_argument("--network", metavar="N", help="network to plan (needed when the file holds several)")
    parser.add_argument("--objective", choices=OBJECTIVES, default=None,
                        help="what to minimise (default: macs, or cycles with --arch)")
    parser.add_argument("--arch", metavar="SPEC", help="architecture: fetta, systolic, a .toml file, with :key=value overrides")
    parser.add_argument("--strategy", metavar="NAME", default="auto",
                        help="order strategy: auto (default), exact, exact-size, exact-write, greedy, heuristic, cotengra, naive")
    parser.add_argument("--k-best", type=int, default=8, metavar="K", help="candidate trees per statement (default 8)")
    parser.add_argument("--memory-budget", type=int, default=None, metavar="BYTES",
                        help="bytes for shared intermediates kept between statements (default: unlimited)")
    parser.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT, metavar="S",
                        help=f"search time limit in seconds (default {DEFAULT_TIME_LIMIT:g}, as for compile and run)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")


def _baseline(net: Network, strategy: str, arch: Arch | None, memory_budget: int | None) -> dict[str, Any]:
    """MACs (and with ``arch`` modelled cycles and energy) of another strategy's
    plan; cycles are ``None`` when some step of that order cannot be blocked
    into the machine's buffer."""
    p = plan_network(net, objective="macs", strategy=strategy, k_best=1, time_limit=5.0,
                     memory_budget=memory_budget)
    out: dict[str, Any] = {"macs": p.macs()}
    if arch is not None:
        # start-up: only --arch costs a plan on a machine
        from tncc.passes.order.hardware import plan_costs

        try:
            p = plan_network(net, objective="macs", arch=arch, strategy=strategy, k_best=1, time_limit=5.0,
                             memory_budget=memory_budget)
            out["cycles"], out["energy_pj"] = plan_costs(p, arch)
        except TnccError:
            out["cycles"] = out["energy_pj"] = None
    return out


def _num(v: float | None, fmt: str = ",d", scale: float = 1.0) -> str:
    return "does not fit" if v is None else format(v / scale if scale != 1.0 else v, fmt)


def run(args: argparse.Namespace) -> int:
    # start-up: `tncc --help` imports every command module
    from tncc.evaluation.training import peak_live_bytes

    if args.k_best < 1:
        raise TnccError(f"--k-best must be at least 1, got {args.k_best}")
    if not (math.isfinite(args.time_limit) and args.time_limit > 0):  # NaN compares false both ways
        raise TnccError(f"--time-limit must be a positive number of seconds, got {args.time_limit}")
    if args.memory_budget is not None and args.memory_budget < 0:
        raise TnccError(f"--memory-budget must not be negative, got {args.memory_budget}")
    if args.strategy != "auto":
        get_strategy(args.strategy)  # an unknown name is an error before any work
    net = load_network(args.file, args.network)
    arch = resolve_arch(args.arch)
    objective = args.objective or ("cycles" if arch is not None else "macs")
    plan = plan_network(net, objective=objective, arch=arch, strategy=args.strategy, k_best=args.k_best,
                        memory_budget=args.memory_budget, time_limit=args.time_limit)
    rows = step_rows(plan, arch)
    paths = statement_paths(plan)
    naive = _baseline(net, "naive", arch, args.memory_budget)
    greedy = _baseline(net, "greedy", arch, args.memory_budget)
    cycles: int | None = None
    energy: float | None = None
    modelled: int | None = None
    if arch is not None:
        # start-up: only --arch lowers a plan to cost it
        from tncc.passes.estimate import estimate_plan
        from tncc.passes.order.hardware import plan_costs

        cycles, energy = plan_costs(plan, arch)
        modelled = estimate_plan(plan, arch).cycles  # the plan as compiled: what the emulator will count
    first = net.statements[0].result if net.statements else None
    if args.json:
        doc = {
            "network": net.name,
            "objective": objective,
            "arch": None if arch is None else arch.name,
            "strategy": args.strategy,
            "macs": plan.macs(),
            "peak_size": peak_size(plan),
            "peak_live_bytes": peak_live_bytes(plan),
            "path": [list(p) for p in ssa_to_linear(paths[first], len(net.statement(first).operands))] if first else [],
            "paths": {k: [list(p) for p in ssa_to_linear(v, len(net.statement(k).operands))] for k, v in paths.items()},
            "proven_optimal": plan.proven_optimal,
            "search_seconds": plan.search_seconds,
            "cycles": cycles,
            "modelled_cycles": modelled,
            "energy_pj": energy,
            "naive": naive,
            "greedy": greedy,
            "notes": list(plan.notes),
            "steps": [{"result": r.result, "operands": list(r.operands), "summed": list(r.summed), "macs": r.macs,
                       "size": r.size, "dataflow": r.dataflow, "cycles": r.cycles,
                       "statement": s.statement} for r, s in zip(rows, plan.steps)],
        }
        print(json.dumps(doc, indent=2))
        return 0
    out = sys.stdout
    out.write(f"network {net.name}: {len(net.statements)} statement(s), objective {objective}"
              f"{'' if arch is None else ', arch ' + arch.name}, strategy {args.strategy}\n")
    head = f"{'step':>5}  {'result':<10} {'operands':<48} {'summed':<16} {'MACs':>14} {'size':>12}"
    if arch is not None:
        head += f"  {'dataflow':<8} {'cycles':>10}"
    out.write(head + "\n")
    for k, r in enumerate(rows):
        line = (f"{k:>5}  {r.result:<10} {' * '.join(r.operands):<48} {','.join(r.summed) or '-':<16} "
                f"{r.macs:>14,d} {r.size:>12,d}")
        if arch is not None:
            line += f"  {r.dataflow:<8} {r.cycles:>10,d}"
        out.write(line + "\n")
    out.write(f"total MACs {plan.macs():,d}   (naive {naive['macs']:,d}, greedy {greedy['macs']:,d})\n")
    out.write(f"peak intermediate {peak_size(plan):,d} elements; "
              f"at most {peak_live_bytes(plan):,d} bytes of intermediates alive at once\n")
    if arch is not None:
        assert energy is not None  # costed above whenever there is a machine
        out.write(f"modelled cycles {cycles:,d}   (naive {_num(naive['cycles'])}, greedy {_num(greedy['cycles'])});"
                  f" compiled {modelled:,d}\n")
        out.write(f"modelled energy {energy / 1e6:,.3f} uJ   (naive {_num(naive['energy_pj'], ',.3f', 1e6)}, "
                  f"greedy {_num(greedy['energy_pj'], ',.3f', 1e6)})\n")
    for note in plan.notes:
        out.write(f"note: {note}\n")
    verdict = "proven optimal" if plan.proven_optimal else "not proven optimal"
    out.write(f"{verdict} for {objective}; search took {plan.search_seconds * 1e3:.1f} ms\n")
    return 0
