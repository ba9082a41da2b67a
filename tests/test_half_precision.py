"""fp16 and bf16 networks as docs/language.md defines them: leaves and
statement results are rounded to the declared type, products accumulate in
fp32, so a statement is computed in fp32 and only its result is rounded.  A
temporary the compiler makes inside a statement (a pairwise step of its
order) is not a stored intermediate of the language: it stays in fp32 in the
buffer, through the lanes that read it and through DRAM when it spills."""

from __future__ import annotations

import numpy as np
import pytest

import tncc
from tncc.ir import DType

PRODUCT = """network t {{
  dtype fp16
  index i = {n}
  input a[i]
  input b[i]
  input c[i]
  y[i] = a[i] * b[i] * c[i]
  output y
}}"""


@pytest.mark.parametrize("arch", ["fetta", "systolic", "fetta:buffer.bytes=65536", "systolic:buffer.bytes=65536"])
def test_a_temporary_beyond_fp16_range_does_not_overflow_the_statement(arch: str) -> None:
    """``a * b`` is 90,000, beyond fp16's 65,504; the statement's value 300 is
    not.  The naive order makes ``a * b`` first; the emulated result must be
    the reference's 300, not infinity (which is what rounding the
    temporary to fp16 gave).  With 32,768 elements and a 64 KiB buffer the
    temporary goes through DRAM, in fp32."""
    n = 32768 if "65536" in arch else 64
    net = tncc.load_source(PRODUCT.format(n=n))[0]
    compiled = tncc.compile(net, arch, order="naive")
    first = compiled.plan.steps[0]
    assert {op.value for op in first.operands} == {"a", "b"} and first.result.startswith("%")
    inputs = {"a": np.full(n, 300.0), "b": np.full(n, 300.0), "c": np.full(n, 1 / 300)}
    result = compiled.run(inputs)
    assert result.match
    y = result.outputs["y"]
    assert np.all(np.isfinite(y)) and np.allclose(y, 300.0, rtol=2e-3)
    leaves_and_output = 4 * n * DType.FP16.nbytes
    if n > 64:
        # the temporary is stored and read back in fp32 (4 bytes a word each way)
        assert result.report["dram_bytes"] == leaves_and_output + 2 * n * DType.FP32.nbytes
    else:
        assert result.report["dram_bytes"] == leaves_and_output


def test_statement_results_are_still_rounded_to_fp16() -> None:
    """A statement result is a stored intermediate: it is rounded (and so
    overflows) as the reference rounds it, whatever reads it next."""
    src = """network t {
  dtype fp16
  index i = 64
  input a[i]
  input b[i]
  input c[i]
  h[i] = a[i] * b[i]
  y[i] = h[i] * c[i]
  output y
}"""
    net = tncc.load_source(src)[0]
    inputs = {"a": np.full(64, 300.0), "b": np.full(64, 300.0), "c": np.full(64, 1 / 300)}
    for arch in ("fetta", "systolic"):
        result = tncc.compile(net, arch).run(inputs)
        assert result.match
        assert np.all(np.isinf(result.outputs["y"]))  # h = 90,000 is +inf in fp16
