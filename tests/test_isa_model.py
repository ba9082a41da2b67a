"""The machine's one cost model against the emulator.

A compiled program's modelled cycles equal the emulated ones, in total and
per statement, and so do its event counts (and so its energy); a plan's modelled cycles (the plan as the lowering compiles
it) equal the emulated cycles of its program, per statement, on examples,
both presets, buffers from 64 KiB to 1 MiB and generated networks; the
per-step sum the CP-SAT stage minimises stays within its stated bounds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tncc
from tncc.frontend import load_file
from tncc.isa.model import frontier_shares, program_cost, program_events
from tncc.passes.estimate import estimate_plan
from tncc.passes.order.hardware import BOUNDS, ENERGY_BOUNDS, plan_costs, repeated_loads, uncharged_energy
from tncc.testing import networks

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.tn"))
NETS = {n.name: n for p in EXAMPLES for n in load_file(p)}
SMALL = ["tt_linear", "tree", "matrix_chain", "mps_inner", "peps_2x2", "int8_forward", "node_perturbation"]
BUFFERS = ["", ":buffer.bytes=65536", ":buffer.bytes=262144"]


def _check_events(c: tncc.Compiled, rep: Any) -> None:
    """The model's event counts are those of the emulator's report ``rep``,
    and so is the energy."""
    ev, t = program_events(c.program, c.arch), rep.totals
    assert (ev.macs, ev.dram_bytes, ev.buffer_words, ev.hops, ev.reconfigs) == \
        (t.macs, t.dram_bytes, t.buffer_words, t.hops, t.reconfigs)
    assert ev.energy_pj(c.arch) == pytest.approx(rep.energy_pj, rel=1e-12)


def _emulated_shares(c: tncc.Compiled) -> tuple[Any, dict[int, int]]:
    """The emulator's report and each statement's share of the makespan,
    from its per-instruction records (start and end cycles)."""
    from tncc.runtime import Emulator

    rep = Emulator(c.program, c.arch).run().report
    ends: dict[int, int] = {}
    for rec in rep.records:
        if rec.opcode not in ("SIGNAL", "WAIT") and rec.src < len(c.program.statements):
            ends[rec.src] = max(ends.get(rec.src, 0), rec.end)
    return rep, frontier_shares(ends)


def _check_plan_estimate(c: tncc.Compiled) -> None:
    rep, shares = _emulated_shares(c)
    cycles = rep.cycles
    _check_events(c, rep)
    cost = program_cost(c.program, c.arch)
    assert cost.cycles == cycles and c.modelled_cycles() == cycles
    assert cost.statement_cycles() == shares
    est = estimate_plan(c.plan, c.arch)
    assert est.cycles == cycles
    names = [s.result for s in c.network.statements]
    assert dict(est.statements) == {names[k]: v for k, v in shares.items()}
    assert sum(v for _, v in est.statements) == cycles


@pytest.mark.parametrize("buffer", BUFFERS)
@pytest.mark.parametrize("arch", ["fetta", "systolic"])
@pytest.mark.parametrize("name", SMALL)
def test_plan_and_program_estimates_are_the_emulated_cycles(name: str, arch: str, buffer: str) -> None:
    _check_plan_estimate(tncc.compile(NETS[name], arch + buffer))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(networks(min_tensors=2, max_tensors=5, max_statements=2, grads=True),
       st.sampled_from(["fetta", "systolic"]), st.sampled_from(BUFFERS))
def test_generated_plans_estimate_exactly(net, arch: str, buffer: str) -> None:
    _check_plan_estimate(tncc.compile(net, arch + buffer))


def _check_per_step_sum(c: tncc.Compiled) -> None:
    (total, energy), exact = plan_costs(c.plan, c.arch), c.modelled_cycles()
    lo, hi = BOUNDS[c.arch.kind]
    assert lo * exact <= total, total / exact
    assert total - repeated_loads(c.plan, c.arch) <= hi * exact, (total, repeated_loads(c.plan, c.arch), exact)
    exact_energy = c.modelled_energy_pj()
    lo, hi = ENERGY_BOUNDS
    assert lo * exact_energy <= energy, energy / exact_energy
    assert energy - uncharged_energy(c.plan, c.arch) <= hi * exact_energy, \
        (energy, uncharged_energy(c.plan, c.arch), exact_energy)


@pytest.mark.parametrize("arch", ["fetta", "systolic"])
@pytest.mark.parametrize("name", SMALL + ["tt_attention", "ttm_linear"])
def test_per_step_sum_is_bounded_by_the_compiled_plan(name: str, arch: str) -> None:
    """What CP-SAT adds up cannot see residency decided over the whole plan
    nor overlap between steps (``passes.order.hardware``): it is held
    between the stated bounds of the compiled cycles and energy, from both
    sides."""
    _check_per_step_sum(tncc.compile(NETS[name], arch))


@pytest.mark.parametrize("buffer", [":buffer.bytes=65536", ":buffer.bytes=1048576"])
@pytest.mark.parametrize("arch", ["fetta", "systolic"])
@pytest.mark.parametrize("name", SMALL + ["tt_attention"])
def test_per_step_sum_is_bounded_at_every_buffer(name: str, arch: str, buffer: str) -> None:
    _check_per_step_sum(tncc.compile(NETS[name], arch + buffer))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(networks(min_tensors=2, max_tensors=5, max_statements=2, grads=True),
       st.sampled_from(["fetta", "systolic"]), st.sampled_from(BUFFERS + [":buffer.bytes=1048576"]))
def test_generated_per_step_sums_are_bounded(net, arch: str, buffer: str) -> None:
    _check_per_step_sum(tncc.compile(net, arch + buffer))
