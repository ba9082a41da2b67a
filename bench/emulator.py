"""Emulator speed, side by side with its peer in the same run.

1. An emulated 1024 x 1024 x 1024 fp32 GEMM (a blocked fetta program: DMA,
   routed operand streams, tile loop nests, double buffering with
   semaphores) against ``numpy.matmul`` of the same matrices.  Target: at
   most 3x numpy's time (numpy is the floor).
2. Instructions per second on a program of small tiles (one 16 x 16 tile of
   16 beats per CTILE, with its loads, stores and synchronisation).
   Target: at least 100 000 per second.

Each figure is the best of ``--repeat`` runs (the machine may be shared).

    python bench/emulator.py [--size 1024] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time
from typing import Callable

import numpy as np

from tncc.ir import DType
from tncc.isa.arch import load_arch
from tncc.runtime import Emulator
from tncc.runtime.programs import fetta_gemm, gemm_inputs


def best_of(repeat: int, fn: Callable[[], object]) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=1024, help="GEMM size (multiple of 256)")
    ap.add_argument("--small", type=int, default=256, help="small-tile program GEMM size (multiple of 16)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    arch = load_arch("fetta")

    n = args.size
    prog = fetta_gemm(arch, n, n, n, mb=512, nb=256, kb=64, c_buffers=1)
    inp = gemm_inputs(n, n, n, DType.FP32)
    emu = Emulator(prog)
    t_np, ref = best_of(args.repeat, lambda: np.matmul(inp["A"], inp["B"]))
    t_emu, res = best_of(args.repeat, lambda: emu.run(inp))
    err = float(np.abs(res.outputs["C"] - ref).max() / np.abs(ref).max())  # type: ignore[union-attr]

    s = args.small
    small = fetta_gemm(arch, s, s, s, mb=16, nb=16, kb=16)
    small_inp = gemm_inputs(s, s, s, DType.FP32, seed=1)
    small_emu = Emulator(small)
    t_small, small_res = best_of(args.repeat, lambda: small_emu.run(small_inp))
    ips = len(small.instructions) / t_small

    rep = res.report  # type: ignore[union-attr]
    print(f"{'workload':<44} {'tncc emulator':>14} {'peer':>14} {'ratio':>8} {'target':>8}")
    print(f"{f'fp32 GEMM {n}^3 wall time (s) vs numpy':<44} {t_emu:>14.3f} {t_np:>14.3f} "
          f"{t_emu / t_np:>7.2f}x {'<= 3x':>8}")
    print(f"{f'small tiles ({len(small.instructions)} instr) instr/s':<44} {ips:>14,.0f} {'-':>14} "
          f"{'':>8} {'>= 100k':>8}")
    print()
    print(f"GEMM program: {len(prog.instructions)} instructions, {rep.cycles} modelled cycles, "
          f"utilisation {100 * rep.utilization:.1f}%, max relative error {err:.2e}")
    print(f"small-tile program: {small_res.report.cycles} modelled cycles")  # type: ignore[union-attr]


if __name__ == "__main__":
    main()
