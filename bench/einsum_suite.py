"""opt_einsum's contraction test equations, compiled and run on both presets.

The equations are opt_einsum's own list (tests/data/opt_einsum_equations.txt
names the source): scalars, Hadamard products, index permutations, complex
contractions, collapses, outer products, GEMM-likes, traces and diagonals
(``aab,bc->ac``, ``fff,fae,bef,def->abd``) and ``...`` broadcasting.  For each
equation and preset the script

1. builds the network with ``tncc.from_einsum(eq, *shapes)`` (index sizes 2
   to 4; ``...`` covers ``(1, 3)`` in the first operand that has it and
   ``(2, 3)`` in the others, so a size-1 axis broadcasts);
2. checks that the numpy reference of the network equals ``numpy.einsum`` of
   the equation itself on the same arrays (the translation is numpy's);
3. compiles it (order ``csse``), emulates the program and compares every
   output with the reference.

The table gives the emulated cycles per preset and, as the named peer, the
MACs of tncc's plan beside the MACs of opt_einsum's ``optimal`` path for the
same equation and shapes, both in one convention: a step costs the product
of the sizes of its operands' distinct indices (a diagonal read is a strided
read: its repeated index counts once; docs/lowering.md, "Diagonals").

Run ``python bench/einsum_suite.py`` (about ten seconds) or with ``--quick``
(every fifth equation).  tests/test_einsum_suite.py runs the same list.
Exit status 1 when any equation fails.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from typing import Any

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "data", "opt_einsum_equations.txt")
ARCHS = ("fetta", "systolic")


def equations() -> list[str]:
    """Every equation of the data file, in order, duplicates dropped."""
    out: list[str] = []
    with open(DATA, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or line.startswith("["):
                continue
            if line not in out:
                out.append(line)
    return out


def size_of(symbol: str) -> int:
    """A small deterministic size per letter (2 to 4)."""
    return 2 + ord(symbol) % 3


def shapes_for(equation: str) -> list[tuple[int, ...]]:
    """Operand shapes for ``equation`` (module doc)."""
    lhs = equation.split("->")[0]
    shapes: list[tuple[int, ...]] = []
    first_dots = True
    for term in lhs.split(","):
        shape: list[int] = []
        rest = term
        while rest:
            if rest.startswith("..."):
                shape += [1, 3] if first_dots else [2, 3]
                first_dots = False
                rest = rest[3:]
            else:
                shape.append(size_of(rest[0]))
                rest = rest[1:]
        shapes.append(tuple(shape))
    return shapes


def numpy_check(equation: str, seed: int = 0) -> tuple[Any, dict[str, np.ndarray]]:
    """The network of ``equation`` and its random inputs, after checking that
    its reference equals ``numpy.einsum`` of the equation (raises otherwise)."""
    from tncc import from_einsum, reference

    net = from_einsum(equation, *shapes_for(equation))
    inputs = reference.random_inputs(net, seed)
    arrays = [inputs[f"t{k}"].astype(np.float64) for k in range(len(shapes_for(equation)))]
    want = np.einsum(equation, *arrays)
    got = reference.evaluate(net, inputs, float64=True)["out"]
    if got.shape != np.shape(want) or not np.allclose(got, want, rtol=1e-10, atol=1e-12):
        raise AssertionError(f"{equation}: the reference differs from numpy.einsum")
    return net, inputs


def run_case(equation: str, arch: str, seed: int = 0) -> dict[str, Any]:
    """Compile and run one equation on one preset; the run's report fields."""
    import tncc

    net, inputs = numpy_check(equation, seed)
    compiled = tncc.compile(net, arch)
    res = compiled.run(inputs, seed=seed)
    return {"match": res.match, "max_rel_err": res.max_rel_err, "cycles": res.report["cycles"],
            "plan_macs": compiled.plan.macs(), "compile_seconds": compiled.compile_seconds}


def opt_einsum_macs(equation: str) -> int:
    """MACs of opt_einsum's ``optimal`` path in tncc's convention: each step
    (pairwise, or one operand's diagonal/sum) costs the product of the sizes
    of every distinct index of its inputs."""
    import opt_einsum as oe

    _, info = oe.contract_path(equation, *shapes_for(equation), shapes=True, optimize="optimal")
    total = 0
    for step in info.contraction_list:
        inputs = step[2].split("->")[0].replace(",", "")
        total += math.prod(info.size_dict[c] for c in set(inputs))
    return total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="every fifth equation only")
    args = ap.parse_args(argv)
    eqs = equations()
    if args.quick:
        eqs = eqs[::5]
    t0 = time.perf_counter()
    failures: list[str] = []
    print(f"{'equation':<40} {'fetta cyc':>10} {'systolic cyc':>12} {'tncc MACs':>10} {'opt_einsum MACs':>15}  result")
    for eq in eqs:
        cells: list[str] = []
        macs = 0
        status = "ok"
        for arch in ARCHS:
            try:
                r = run_case(eq, arch)
            except Exception as e:  # noqa: BLE001 - a bench reports every failure and goes on
                cells.append("error")
                status = f"{arch}: {type(e).__name__}: {e}"
                continue
            macs = r["plan_macs"]
            cells.append(str(r["cycles"]))
            if not r["match"]:
                status = f"{arch}: MISMATCH ({r['max_rel_err']:.3g})"
        try:
            peer = str(opt_einsum_macs(eq))
        except Exception as e:  # noqa: BLE001
            peer = f"({type(e).__name__})"
        if status != "ok":
            failures.append(f"{eq}: {status}")
        print(f"{eq:<40} {cells[0]:>10} {cells[1]:>12} {macs:>10} {peer:>15}  {status}")
    n = len(eqs)
    print(f"\n{n - len(failures)} of {n} equations compile, run on {' and '.join(ARCHS)} and match "
          f"({time.perf_counter() - t0:.0f} s)")
    for f in failures:
        print("FAIL", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
