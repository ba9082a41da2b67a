"""``tncc viz``: draw a tensor network or its contraction plan."""

from __future__ import annotations

import argparse
import sys

from tncc.io import write_stdout
from tncc.isa.arch import load_arch

HELP = "draw a network (tensors, indices, hyperedges) or its contraction plan as DOT/SVG"
DESCRIPTION = """\
Draw the tensor network of a .tn program (tensors as nodes, indices as
labelled edges, hyperedges as small hub nodes, one cluster per statement), or
the contraction plan the compiler chose for it (one node per pairwise step
with its MACs, result size, dataflow, and with --arch its modelled cycles and
energy).

The output format follows the file name: .dot/.gv write DOT text; .svg, .png
and .pdf run Graphviz's `dot` program, and are an error when it is not
installed.  Without -o the DOT text goes to standard output.

examples:
  tncc viz examples/tt_linear.tn -o tt.dot
  tncc viz examples/tt_linear.tn --what plan --arch fetta -o plan.svg
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help="a .tn program")
    p.add_argument("--network", metavar="N", help="the network to draw (needed when FILE holds several)")
    p.add_argument("--what", choices=("network", "plan"), default="network",
                   help="draw the tensor network (default) or the contraction plan")
    p.add_argument("--arch", metavar="NAME|PATH", default=None,
                   help="plan for this architecture and label each step with its modelled cost (default: fetta)")
    p.add_argument("--order", default="csse", metavar="ORDER",
                   help="order strategy for --what plan: csse (hardware-aware, default), flops or naive")
    p.add_argument("-o", "--output", metavar="OUT", help="OUT.dot, OUT.gv, or OUT.svg/.png/.pdf (needs Graphviz)")


def run(args: argparse.Namespace) -> int:
    # start-up: `tncc --help` imports every command module
    from tncc.evaluation import viz
    from tncc.evaluation.compare import check_orders
    from tncc.evaluation.planning import load_network, plan_for_order, step_cost_function

    net = load_network(args.file, args.network)
    if args.what == "network":
        dot = viz.network_dot(net)
    else:
        (order,) = check_orders([args.order])
        arch = load_arch(args.arch or "fetta")
        plan = plan_for_order(net, order, arch)
        dot = viz.plan_dot(plan, step_cost_function(plan, arch))
    if args.output is None or args.output == "-":
        write_stdout(dot)
    else:
        viz.render(dot, args.output)
        print(f"wrote {args.output}", file=sys.stderr)
    return 0
