"""The public compile-and-run API: ``tncc.compile(...)`` and ``Compiled.run(...)``.

``compile`` runs the whole pipeline (front end, contraction-order search,
memory planning, tiling, shaping, code generation) for one architecture;
``Compiled.run`` executes the program on the emulator and checks every
output against the numpy reference (``tncc.reference``), within the
tolerance of the network's dtype.

Errors in the comparison are reported as ``max_rel_err``: for each output
``max |got - ref| / max(max |ref|, 1e-30)`` (the worst error relative to
the output's scale), the maximum over outputs.  ``match`` holds when every
element satisfies ``|got - ref| <= atol * max(1, max |ref|) + rtol * |ref|``
with the dtype's ``(rtol, atol)`` (``tncc.reference.tolerance``): the
absolute part scales with the output, so inputs need not be O(1).  Values
that are not finite follow :mod:`tncc.agreement`: NaN (or the same infinity)
in the same place agrees, and an element where only the reference
overflowed, while a float64 recomputation agrees with the emulator, is
counted in ``reference_overflow`` and not held against the program.
"""

from __future__ import annotations

import functools
import os
import time
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from tncc import guard, reference  # the oracle by module: a test may replace its functions
from tncc.agreement import compare_output
from tncc.driver import compile_network as _compile_network, lowering_options
from tncc.errors import TnccError
from tncc.frontend import load_network
from tncc.ir import Network
from tncc.isa.arch import Arch, resolve_arch as _resolve_arch
from tncc.isa.model import program_cycles, program_events
from tncc.isa.program import Program
from tncc.passes.lower import Lowered
from tncc.passes.options import LoweringOptions
from tncc.passes.order.planner import DEFAULT_TIME_LIMIT
from tncc.passes.pipeline import ORDER_OBJECTIVES as _ORDER_OBJECTIVES, Order, PassContext, Pipeline
from tncc.plan import Plan
from tncc.runtime import Emulator
from tncc.stages import OBJECTIVES, ORDER_HELP  # noqa: F401 (their old home)

resolve_arch = _resolve_arch  # the one resolver (``tncc.isa.arch``), by its old name here

ORDER_OBJECTIVES = _ORDER_OBJECTIVES
"""Orders that run the search, with their default objectives (``tncc.passes.pipeline``)."""


def make_plan(net: Network, arch: Arch | str | None, order: str = "csse", objective: str | None = None,
              time_limit: float = DEFAULT_TIME_LIMIT) -> Plan:
    """The contraction plan of ``net`` for ``arch``: the ``order`` pass alone
    (:class:`tncc.passes.pipeline.Order`; ``order`` is ``csse``, ``flops``
    or a registered strategy name)."""
    plan: Plan = Pipeline((Order(order, objective, time_limit),)).run(net, PassContext(_resolve_arch(arch)))
    return plan


@dataclass(frozen=True)
class RunResult:
    """Outputs by ``.tn`` name, the report dict (see ``tncc run --json``),
    whether every output matched, and the worst relative error."""

    outputs: dict[str, np.ndarray]
    report: dict[str, Any]
    match: bool
    max_rel_err: float
    reference: dict[str, np.ndarray] = field(repr=False, default_factory=dict)
    emulator_report: Any = field(repr=False, default=None)
    trace: Any = field(repr=False, default=None)


@dataclass(frozen=True)
class Compiled:
    """A compiled network: ``program`` (``tncc.isa.program.Program``),
    ``plan``, the back end's decisions (``lowered``) and compile time."""

    network: Network
    arch: Arch
    plan: Plan
    lowered: Lowered
    compile_seconds: float
    lowering: LoweringOptions | None = None  # the options it was compiled with (None: the lowering chose everything)

    @property
    def program(self) -> Program:
        return self.lowered.program

    def inputs_for(self, inputs: Mapping[str, np.ndarray] | None, seed: int) -> dict[str, np.ndarray]:
        """Every leaf's value: the given arrays, seeded reference randoms for the rest."""
        given = dict(inputs or {})
        leaves = {t.name for t in self.network.leaves()}
        unknown = sorted(set(given) - leaves)
        if unknown:
            raise TnccError(f"network `{self.network.name}` has no input or param named `{unknown[0]}` "
                            f"(expected: {', '.join(sorted(leaves))})")
        full = reference.random_inputs(self.network, seed)
        for name, value in given.items():
            want = self.network.shape(name)
            arr = np.asarray(value)
            if arr.shape != want:
                raise TnccError(f"input `{name}` has shape {arr.shape}, expected {want}")
            full[name] = arr
        return full

    def run(self, inputs: Mapping[str, np.ndarray] | None = None, seed: int = 0, trace: bool = False,
            strict_sync: bool = False, max_memory: int | str | None = None) -> RunResult:
        """Emulate the program and compare every output with the reference;
        ``strict_sync`` makes the first synchronisation hazard
        (``tncc.runtime.hazards``) a TnccError.
        Before anything is allocated, the host memory the run needs is
        estimated (:mod:`tncc.guard`); more than ``max_memory`` bytes (default:
        half of the machine's memory) is a :class:`~tncc.guard.ResourceError`."""
        with guard.limit(max_memory):
            guard.check_run(self.network, self.plan)
            return self._run(inputs, seed, trace, strict_sync)

    def _run(self, inputs: Mapping[str, np.ndarray] | None, seed: int, trace: bool,
             strict_sync: bool = False) -> RunResult:
        values = self.inputs_for(inputs, seed)
        symbols = {s.name for s in self.program.symbols}
        feed = {k: v for k, v in values.items() if k in symbols}
        res = Emulator(self.program, self.arch).run(feed, seed=seed, trace=trace, strict_sync=strict_sync)
        ref = reference.evaluate(self.network, values, plan=self.plan)
        tol = reference.tolerance(self.network.dtype)
        outputs: dict[str, np.ndarray] = {}
        match, worst, overflow = True, 0.0, 0
        per_output = {}
        ref64: dict[str, np.ndarray] = {}

        def recompute(name: str) -> np.ndarray:
            # The float64 reference, computed once and only when some output needs it.
            if not ref64:
                ref64.update(reference.evaluate(self.network, values, float64=True, plan=self.plan))
            return ref64[name]

        for name in self.network.outputs:
            got = np.asarray(res.outputs[name]).reshape(self.network.shape(name))
            outputs[name] = got
            agr = compare_output(got, np.asarray(ref[name]), tol, functools.partial(recompute, name))
            per_output[name] = agr.to_dict()
            match = match and agr.match
            worst = max(worst, agr.max_rel_err)
            overflow += agr.reference_overflow
        report = self.report(res.report, match, worst, per_output)
        report["reference_overflow"] = overflow
        return RunResult(outputs, report, match, worst, dict(ref), res.report, res.trace)

    def modelled_cycles(self) -> int:
        """The machine model's cycles for the program (``tncc.isa.model``):
        equal to the emulated ones on every program the emulator accepts."""
        return program_cycles(self.program, self.arch)

    def modelled_energy_pj(self) -> float:
        """The machine model's energy for the program (pJ; the events of
        ``tncc.isa.model.program_events`` priced by the arch file): equal to
        the emulated energy on every program the emulator accepts."""
        return program_events(self.program, self.arch).energy_pj(self.arch)

    def report(self, rep: Any, match: bool, worst: float, per_output: dict[str, Any]) -> dict[str, Any]:
        """The run report: the emulator's measurements plus the compiler's
        decisions (spills, SHAPE count) and the comparison."""
        low = self.lowered
        body = rep.to_dict(instructions=False)
        out: dict[str, Any] = {
            "network": self.network.name,
            "arch": self.arch.name,
            "cycles": body["cycles"],
            "modelled_cycles": self.modelled_cycles(),
            "array_cycles": body["array_cycles"],
            "macs": body["macs"],
            "plan_macs": self.plan.macs(),
            "utilization": body["utilization"],
            "energy_pj": body["energy_pj"],
            "modelled_energy_pj": self.modelled_energy_pj(),
            "dram_bytes": body["dram_bytes"],
            "match": match,
            "max_rel_err": worst,
            "outputs": per_output,
            "compile_seconds": self.compile_seconds,
            "instructions": len(self.program.instructions),
            "shape_instructions": low.shapes,
            "spilled": list(low.memory.spilled),
            "streamed": list(low.memory.streamed),
            "buffer_peak_words": low.memory.peak_words,
            "staging_words": low.memory.stage_words,
        }
        for k, v in body.items():
            out.setdefault(k, v)
        return out


def compile_network(net: Network, arch: Arch | str | None = "fetta", order: str = "csse",
                    objective: str | None = None, *, time_limit: float = DEFAULT_TIME_LIMIT,
                    lowering: LoweringOptions | str | None = None, max_memory: int | str | None = None,
                    max_work: float | str | None = None) -> Compiled:
    """Compile a checked network for ``arch`` (an ``Arch`` or a spec string;
    ``None`` is the default preset) through the one pipeline
    (:func:`tncc.driver.compile_network`); ``lowering`` forces lowering
    options (:func:`~tncc.driver.lowering_options`).  Tiling a step into more
    blocks than ``max_memory`` bytes can hold, or into more than
    ``max_work`` seconds of estimated compile work (default
    :data:`tncc.guard.DEFAULT_MAX_WORK`), is a
    :class:`~tncc.guard.ResourceError` (:mod:`tncc.guard`)."""
    with guard.limit(max_memory, max_work):
        t0 = time.perf_counter()
        opts = lowering_options(lowering)
        c = _compile_network(net, arch, order, objective, time_limit, opts)
        return Compiled(net, c.arch, c.plan, c.lowered, time.perf_counter() - t0, opts)


def compile(path_or_network: str | os.PathLike[str] | Network, arch: Arch | str | None = "fetta",
            network: str | None = None, order: str = "csse", objective: str | None = None, *,
            time_limit: float = DEFAULT_TIME_LIMIT, lowering: LoweringOptions | str | None = None,
            max_memory: int | str | None = None, max_work: float | str | None = None) -> Compiled:
    """``tncc.compile``: a ``.tn`` path (``network`` picks one of several) or
    a :class:`Network`, compiled for ``arch``.  ``time_limit``: about the
    seconds the order search may take (default
    :data:`~tncc.passes.order.planner.DEFAULT_TIME_LIMIT`).  ``lowering`` (a
    :class:`~tncc.passes.options.LoweringOptions` or its text form) forces
    the lowering's choices (staging share, wide paddings, lookahead,
    prefetch, deferred stores, co-scheduling); left ``None`` the lowering
    weighs them.  ``max_memory`` and ``max_work`` as in
    :func:`compile_network`."""
    if isinstance(path_or_network, Network):
        net = path_or_network
    else:
        net = load_network(path_or_network, network)
    return compile_network(net, arch, order, objective, time_limit=time_limit, lowering=lowering,
                           max_memory=max_memory, max_work=max_work)
