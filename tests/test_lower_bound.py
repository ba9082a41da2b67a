"""The lower bound of any order (``passes.bound.lower_bound``): never
above the emulated cycles of a compiled plan, whatever the order, preset or
buffer, on the examples and on generated networks; and each side of it is
reached where it should be (it is not vacuous)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tncc
from tncc.frontend import load_file
from tncc.isa.arch import resolve_arch
from tncc.passes.bound import lower_bound
from tncc.testing import networks

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.tn"))
NETS = {n.name: n for p in EXAMPLES for n in load_file(p)}
SMALL = ["tt_linear", "tree", "matrix_chain", "matrix_square", "mps_inner", "peps_2x2", "int8_forward",
         "node_perturbation"]
BUFFERS = ["", ":buffer.bytes=65536"]
CHAIN = """network chain3 {
  dtype fp32
  index i = 128, j = 128, k = 128, l = 128
  input a[i, j]
  input b[j, k]
  input c[k, l]
  y[i, l] = a * b * c
  output y
}
"""


def _check(net: tncc.Network, arch: str, order: str) -> None:
    c = tncc.compile(net, arch, order=order)
    emulated = c.run(seed=0).report["cycles"]
    bound = lower_bound(net, c.arch)
    assert bound.cycles <= emulated, (bound, emulated)
    assert bound.macs <= c.plan.macs()


@pytest.mark.parametrize("order", ["csse", "flops"])
@pytest.mark.parametrize("buffer", BUFFERS)
@pytest.mark.parametrize("arch", ["fetta", "systolic"])
@pytest.mark.parametrize("name", SMALL)
def test_no_plan_beats_the_lower_bound(name: str, arch: str, buffer: str, order: str) -> None:
    _check(NETS[name], arch + buffer, order)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(networks(min_tensors=2, max_tensors=5, max_statements=2, grads=True),
       st.sampled_from(["fetta", "systolic"]), st.sampled_from(BUFFERS), st.sampled_from(["csse", "flops"]))
def test_generated_plans_never_beat_the_lower_bound(net, arch: str, buffer: str, order: str) -> None:
    _check(net, arch + buffer, order)


def test_the_bound_is_its_larger_side_and_proven_on_the_examples() -> None:
    """A compute-bound example is bounded by its proven MACs at the array's
    peak, a memory-bound one by its compulsory traffic."""
    arch = resolve_arch("fetta")
    (chain3,) = tncc.load_source(CHAIN)
    b = lower_bound(chain3, arch)
    # (a b) c and a (b c) both cost 2 * 128^3; nothing does less
    assert b.proven and b.macs == 2 * 128 ** 3 and b.cycles == b.compute > b.dma
    assert b.compute == 2 * 128 ** 3 // arch.peak_macs_per_cycle
    assert b.dram_bytes == 4 * 4 * 128 * 128
    chain = lower_bound(NETS["matrix_chain"], arch)
    assert chain.cycles == chain.dma > chain.compute
    net = NETS["matrix_chain"]
    item = net.dtype.nbytes
    ins = sum(net.sizes()[i] * net.sizes()[j] for t in net.tensors if t.role.value in ("input", "param")
              for i, j in [t.indices])
    assert chain.dram_bytes >= ins * item
