"""The systolic preset: a single GEMM program's ARRAY busy cycles equal
SCALE-Sim's "Total Cycles", and its numbers match numpy."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tncc.ir import DType
from tncc.isa.arch import load_arch
from tncc.runtime import Emulator
from tncc.runtime.programs import gemm_inputs, systolic_gemm

# SCALE-Sim 3.0.0, GEMM topology mode, 32 x 32 array, "Total Cycles"
# (the project's reference data, reference/scalesim_gemm.md): (M, N, K) -> (os, ws, is).
SCALESIM_32X32 = {
    (32, 32, 32): (93, 125, 125),
    (64, 64, 64): (503, 631, 631),
    (128, 128, 128): (3039, 3551, 3551),
    (100, 50, 70): (1055, 1163, 1727),
    (256, 16, 64): (1007, 699, 1759),
    (16, 256, 64): (1007, 1759, 699),
    (64, 64, 8): (279, 315, 315),
}


@pytest.mark.parametrize("mnk", sorted(SCALESIM_32X32))
@pytest.mark.parametrize("flow", ["os", "ws", "is"])
def test_array_cycles_equal_scalesim_total_cycles(mnk: tuple[int, int, int], flow: str) -> None:
    arch = load_arch(f"systolic:rows=32,cols=32,dataflow={flow}")
    m, n, k = mnk
    res = Emulator(systolic_gemm(arch, m, n, k)).run(gemm_inputs(m, n, k, DType.FP32))
    assert res.report.array_cycles == SCALESIM_32X32[mnk]["os ws is".split().index(flow)]
    assert res.report.macs == m * n * k


def _closed_form(flow: str, r: int, c: int, m: int, n: int, k: int) -> int:
    sr, sc, t = {"os": (m, n, k), "ws": (k, n, m), "is": (k, m, n)}[flow]
    folds = math.ceil(sr / r) * math.ceil(sc / c)
    return folds * (t + r + c - 2) - 1 if flow == "os" else folds * (t + 2 * r + c - 2) - 1


@pytest.mark.parametrize("rows,cols,m,n,k", [(16, 16, 48, 20, 33), (8, 32, 64, 64, 16), (4, 4, 9, 7, 5),
                                             (16, 8, 100, 3, 17)])
@pytest.mark.parametrize("flow", ["os", "ws", "is"])
def test_other_shapes_follow_the_closed_form_and_numpy(rows: int, cols: int, m: int, n: int, k: int,
                                                       flow: str) -> None:
    arch = load_arch(f"systolic:rows={rows},cols={cols},dataflow={flow}")
    inp = gemm_inputs(m, n, k, DType.FP32, seed=m)
    res = Emulator(systolic_gemm(arch, m, n, k)).run(inp)
    assert res.report.array_cycles == _closed_form(flow, rows, cols, m, n, k)
    np.testing.assert_allclose(res.outputs["C"], inp["A"] @ inp["B"], rtol=1e-4, atol=1e-4)
    assert res.report.cycles > res.report.array_cycles  # the DMA around it is serial here
