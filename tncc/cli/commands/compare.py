"""``tncc compare``: one program under several architectures and orders."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Sequence
from tncc import guard
from tncc.cli.commands.run import write_outputs
from tncc.errors import TnccError
from tncc.guard import add_option as add_memory_option
from tncc.inputs import check_inputs, load_inputs
from tncc.io import one_stdout
from tncc.options import seed_arg

if TYPE_CHECKING:
    from tncc.evaluation.compare import Config

HELP = "compile and run a program under several architectures and orders and compare them"
DESCRIPTION = """\
Compile and emulate FILE under every architecture (--arch) and contraction
order (--order) asked for, check every run against the numpy reference, and
print one table: cycles, latency at the architecture's clock, energy, EDP,
MAC utilisation, DRAM traffic, peak buffer use, the split of the cycles into
compute, shaping and memory stalls, and ratios to the baseline (the first
configuration unless --baseline says otherwise; a ratio above 1 means the
row costs more).  For a program with `grad`, the forward and backward passes
are also shown separately, with what reusing forward intermediates saves
and costs (--no-reuse also measures each plan with the shared temporaries
recomputed per statement).

orders: csse (hardware-aware search), flops (MAC-optimal order), naive
(left to right).  Architectures: preset names (fetta, systolic), paths to
TOML files, either with overrides (systolic:rows=32,cols=32).

A configuration that cannot be compiled or run (say, an order whose
intermediates overflow the buffer) is listed under the table with its
error, and the others are still compared.

Exit status 0 when every run matches the reference, 3 when one does not,
1 on input errors or when a configuration could not run.

examples:
  tncc compare examples/tt_linear.tn
  tncc compare examples/tt_linear.tn --order csse,flops,naive --csv out.csv
  tncc compare examples/tt_linear.tn --arch fetta,systolic:dataflow=os --json -
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help="a .tn program")
    p.add_argument("--network", metavar="N", help="the network to compare (needed when FILE holds several)")
    p.add_argument("--arch", action="append", metavar="A[,B...]",
                   help="architectures, comma-separated or repeated (default: fetta,systolic)")
    p.add_argument("--order", action="append", metavar="O[,P...]",
                   help="orders: csse, flops, naive, comma-separated or repeated (default: csse)")
    p.add_argument("--no-reuse", action="store_true",
                   help="also run each plan with shared temporaries recomputed per statement "
                        "(the measured cost of not reusing forward intermediates)")
    p.add_argument("--baseline", metavar="ARCH/ORDER",
                   help="the configuration ratios divide by (default: the first)")
    p.add_argument("--inputs", metavar="IN.npz", help="input arrays by .tn name (default: seeded random)")
    p.add_argument("--seed", type=seed_arg, default=0, help="seed of the random inputs (default 0)")
    p.add_argument("--json", metavar="OUT.json", help="write the comparison as JSON ('-' for standard output)")
    p.add_argument("--csv", metavar="OUT.csv", help="write one CSV row per configuration ('-' for standard output)")
    p.add_argument("--plot", metavar="OUT.png", help="bar chart of the cycle breakdown (needs matplotlib)")
    add_memory_option(p)


def baseline_index(cfgs: "Sequence[Config]", wanted: str | None) -> int:
    """The configuration ``--baseline`` names: a label (``systolic/csse``),
    an architecture (``systolic``, matching also ``systolic:rows=32``), or
    either followed by ``/ORDER``; the first match wins."""
    # start-up: `tncc --help` imports every command module
    from tncc.evaluation.compare import ORDERS

    if wanted is None:
        return 0
    for k, c in enumerate(cfgs):
        if c.label == wanted:
            return k
    arch, order = wanted, None
    head, _, tail = wanted.rpartition("/")
    if head and tail in ORDERS:
        arch, order = head, tail
    for k, c in enumerate(cfgs):
        names = {c.arch, c.arch.split(":")[0], c.label.rpartition("/")[0]}
        if arch in names and (order is None or c.order == order):
            return k
    raise TnccError(f"--baseline {wanted!r} is not one of the configurations: {', '.join(c.label for c in cfgs)}")


def run(args: argparse.Namespace) -> int:
    # start-up: `tncc --help` imports every command module
    from tncc.evaluation.compare import DEFAULT_ARCHS, configs, run_comparison, split_list
    from tncc.evaluation.compare_format import format_comparison, plot_png, to_csv, to_json
    from tncc.evaluation.planning import load_network

    to_stdout = one_stdout(**{"--json": args.json, "--csv": args.csv, "--plot": args.plot})
    archs = split_list(args.arch, DEFAULT_ARCHS)
    orders = split_list(args.order, ("csse",))
    baseline = baseline_index(configs(archs, orders, args.no_reuse), args.baseline)
    net = load_network(args.file, args.network)  # a bad FILE or --network fails before any work
    inputs = None
    if args.inputs:
        inputs = load_inputs(args.inputs)
        check_inputs(net, inputs, where=args.inputs)

    with guard.limit(args.max_memory, args.max_work):
        guard.check_run(net)  # once, before any configuration compiles
        cmp = run_comparison(args.file, archs, orders, network=args.network, inputs=inputs, seed=args.seed,
                             baseline=baseline, no_reuse=args.no_reuse)
    status = 1 if cmp.failures else (0 if cmp.all_match else 3)
    write_outputs([
        (args.json, lambda: to_json(cmp)),
        (args.csv, lambda: to_csv(cmp)),
        (args.plot, lambda: plot_png(cmp)),
        (None if to_stdout else "-", lambda: format_comparison(cmp) + "\n"),
    ], status)
    for path in (args.json, args.csv, args.plot):
        if path and path != "-":
            print(f"wrote {path}", file=sys.stderr)
    return status
