"""The differential campaign, bounded for the suite: random programs that
take the large paths (small buffers force spills and streams) on random
machines, every order, objective and forced lowering option, each judged by
``tncc.differential.check`` (numpy reference, strict synchronisation
checker, static estimate equal to the emulated cycles); and every lowering
option forced on and off on programs where each has something to act on.
``bench/fuzz.py`` runs the same campaign for hours."""

from __future__ import annotations


import pytest
from hypothesis import HealthCheck, given, settings

import tncc
from tncc import LoweringOptions
from tncc.evaluation import workloads
from tncc.differential import Case, Outcome, check, same_failure
from tncc.ir import DType, Index, Network, Operand, Role, Statement, Tensor
from tncc.printer import to_source
from tncc.shrink import shrink
from tncc.testing import architectures, cases, large_networks, lowering_options

SUITE_SIZES = (1, 2, 3, 5, 8, 12, 16, 30, 32, 64, 100, 256)
# Leaves of two indices or more and tensors of up to 8192 words on 16-24 KiB
# buffers: most accepted runs stream, many spill.
SMALL_BUFFER_PROGRAMS = large_networks(max_statements=3, max_leaves=5, max_indices=7, max_elements=8192, min_rank=2,
                                       sizes=SUITE_SIZES)


def _explain(case: Case, out: Outcome) -> str:
    return f"{out.status}: {out.detail}\n{case.label()} seed {case.seed}\n{to_source(case.network)}"


# 30 programs: every lowering of one on a small buffer now also tries larger
# staging areas; the long campaigns are ``bench/fuzz.py``'s
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(cases(networks_=SMALL_BUFFER_PROGRAMS, archs=architectures(max_kib=24), lowering=lowering_options()))
def test_random_programs_on_small_buffers_match_sync_and_estimate(case: Case) -> None:
    out = check(case, max_macs=2_000_000)
    assert not out.failed, _explain(case, out)


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(cases(networks_=large_networks(max_statements=2, max_leaves=4, max_indices=6, max_elements=1 << 15,
                                      min_rank=2, sizes=SUITE_SIZES, grads=False),
             archs=architectures(min_kib=64, max_kib=1024), orders=("csse", "flops")))
def test_random_programs_on_large_buffers_match_sync_and_estimate(case: Case) -> None:
    out = check(case, max_macs=2_000_000)
    assert not out.failed, _explain(case, out)


FETTA = "fetta:buffer.bytes=32768"
SYSTOLIC = "systolic:buffer.bytes=16384"
FORCED = [(FETTA, dict(stage_share=s)) for s in (2, 8)] + [
    (FETTA, {f: v}) for f in ("wide_paddings", "lookahead", "prefetch", "deferred_stores", "co_schedule")
    for v in (True, False)] + [(SYSTOLIC, dict(stage_share=4)), (SYSTOLIC, dict(deferred_stores=False))]


@pytest.fixture(scope="module")
def layer() -> Network:
    """A small TT layer with its gradients: on a 32 KiB fetta it streams
    nine tensors and spills two, and the tuner co-schedules steps."""
    (net,) = tncc.load_source(workloads.tt_linear("attention", 8, 4))
    return net


@pytest.mark.parametrize("arch, forced", FORCED, ids=lambda x: x if isinstance(x, str) else
                         ",".join(f"{k}={v}" for k, v in x.items()))
def test_each_lowering_option_forced_is_correct(layer: Network, arch: str, forced: dict) -> None:
    out = check(Case(layer, arch, lowering=LoweringOptions(**forced), seed=3))
    assert out.status == "ok", out.detail
    assert out.streamed > 0
    for k, v in forced.items():
        # (Wide paddings forced on reserve them for the tensors that would
        # gain, and this layer has none: chosen says whether any did.)
        applies = (arch.startswith("fetta") or k in ("stage_share", "deferred_stores")) and (k, v) != (
            "wide_paddings", True)
        assert not applies or f"{k}={v if k == 'stage_share' else ('on' if v else 'off')}" in out.chosen.split(",")


def test_a_failure_shrinks_to_a_small_network_that_fails_the_same_way() -> None:
    """The shrinker keeps what the predicate needs and drops the rest: here
    "fails" is "some index of size at least 5 is contracted in a statement
    of at least two operands" (a stand-in for a real failure)."""
    net = Network("n", DType.BF16, (Index("a", 30), Index("b", 12), Index("c", 7), Index("d", 3)),
                  (Tensor("x", ("a", "b"), Role.INPUT), Tensor("w", ("b", "c"), Role.PARAM),
                   Tensor("v", ("c", "d"), Role.PARAM), Tensor("h", ("a", "c"), Role.INTERMEDIATE),
                   Tensor("y", ("a", "d"), Role.OUTPUT), Tensor("z", ("a",), Role.OUTPUT)),
                  (Statement("h", ("a", "c"), (Operand("x", ("a", "b")), Operand("w", ("b", "c")))),
                   Statement("y", ("a", "d"), (Operand("h", ("a", "c")), Operand("v", ("c", "d")))),
                   Statement("z", ("a",), (Operand("y", ("a", "d")),))), ("y", "z"))

    def fails(n: Network) -> bool:
        sizes = n.sizes()
        return any(len(st.operands) > 1 and any(sizes[i] >= 5 for op in st.operands for i in op.indices
                                                if i not in st.indices) for st in n.statements)

    small = shrink(net, fails, seconds=30)
    assert fails(small)
    # One product is left (z, the only output kept, reads it), fp32, every
    # index of size 1 but the contracted one, which halving would take below 5.
    assert sum(len(st.operands) > 1 for st in small.statements) == 1 and len(small.statements) <= 2
    assert small.dtype is DType.FP32
    assert sorted(small.sizes().values())[-1] in (5, 6, 7) and sorted(small.sizes().values())[:-1] == \
        [1] * (len(small.sizes()) - 1)


def test_same_failure_tells_failures_apart() -> None:
    def crash(exc: Exception) -> Outcome:
        from tncc.differential import _crash

        try:
            raise exc
        except Exception as e:
            detail, key = _crash(e, "run")
        return Outcome("crash", detail, key=key)

    a, b, c = crash(IndexError("x")), crash(IndexError("y")), crash(KeyError("x"))
    assert "IndexError: x at" in a.detail
    assert same_failure(a, b) and not same_failure(a, c)
    assert not same_failure(a, Outcome("mismatch", "outputs differ"))
    assert same_failure(Outcome("mismatch", "a"), Outcome("mismatch", "b"))
