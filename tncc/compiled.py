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

import os
import time
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from tncc.errors import TnccError
from tncc.ir import Network
from tncc.plan import Plan

OBJECTIVES = ("macs", "size", "write", "cycles", "energy", "edp")
ORDER_HELP = ("contraction order: csse (default: exact search, then the hardware-aware choice), flops (the "
              "MAC-optimal order), naive (left to right), or a registered strategy name (greedy, ...)")


def resolve_arch(arch: Any) -> Any:
    from tncc.isa.arch import Arch, load_arch

    if isinstance(arch, Arch):
        return arch
    return load_arch(str(arch))


ORDER_OBJECTIVES = {"csse": "cycles", "flops": "macs"}
"""Orders that run the search, with their default objectives: ``csse`` is the
hardware-aware choice (modelled cycles), ``flops`` the MAC-optimal order."""


def make_plan(net: Network, arch: Any, order: str = "csse", objective: str | None = None,
              time_limit: float = 1.0) -> Plan:
    """The contraction plan of ``net`` for ``arch``.  ``order`` is ``csse``
    (exact search, then the hardware-aware choice; objective ``cycles`` unless
    given), ``flops`` (the same search for the fewest MACs) or the name of a
    registered strategy (``naive``, ``greedy``, ...; objective ``macs``)."""
    from tncc.passes.order.planner import plan_network

    from tncc.passes.order.strategies import STRATEGIES

    if order in ORDER_OBJECTIVES:
        strategy, objective = "auto", objective or ORDER_OBJECTIVES[order]
    elif order in STRATEGIES:
        strategy, objective = order, objective or "macs"
    else:
        names = ", ".join([*ORDER_OBJECTIVES, *sorted(s for s in STRATEGIES if s != "auto")])
        raise TnccError(f"unknown order {order!r}: expected one of {names}", where="--order")
    return plan_network(net, objective, arch, strategy=strategy, time_limit=time_limit)


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
    arch: Any
    plan: Plan
    lowered: Any
    compile_seconds: float
    lowering: Any = None  # the LoweringOptions it was compiled with (None: the lowering chose everything)

    @property
    def program(self) -> Any:
        return self.lowered.program

    def inputs_for(self, inputs: Mapping[str, np.ndarray] | None, seed: int) -> dict[str, np.ndarray]:
        """Every leaf's value: the given arrays, seeded reference randoms for the rest."""
        from tncc.reference import random_inputs

        given = dict(inputs or {})
        leaves = {t.name for t in self.network.leaves()}
        unknown = sorted(set(given) - leaves)
        if unknown:
            raise TnccError(f"network `{self.network.name}` has no input or param named `{unknown[0]}` "
                            f"(expected: {', '.join(sorted(leaves))})")
        full = random_inputs(self.network, seed)
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
        from tncc import guard

        with guard.limit(max_memory):
            guard.check_run(self.network, self.plan)
            return self._run(inputs, seed, trace, strict_sync)

    def _run(self, inputs: Mapping[str, np.ndarray] | None, seed: int, trace: bool,
             strict_sync: bool = False) -> RunResult:
        from tncc.agreement import compare_output
        from tncc.reference import evaluate, tolerance
        from tncc.runtime import Emulator

        values = self.inputs_for(inputs, seed)
        symbols = {s.name for s in self.program.symbols}
        feed = {k: v for k, v in values.items() if k in symbols}
        res = Emulator(self.program, self.arch).run(feed, seed=seed, trace=trace, strict_sync=strict_sync)
        ref = evaluate(self.network, values, plan=self.plan)
        tol = tolerance(self.network.dtype)
        outputs: dict[str, np.ndarray] = {}
        match, worst, overflow = True, 0.0, 0
        per_output = {}
        ref64: dict[str, np.ndarray] = {}

        def recompute(name: str) -> np.ndarray:
            # The float64 reference, computed once and only when some output needs it.
            if not ref64:
                ref64.update(evaluate(self.network, values, float64=True, plan=self.plan))
            return ref64[name]

        for name in self.network.outputs:
            got = np.asarray(res.outputs[name]).reshape(self.network.shape(name))
            outputs[name] = got
            agr = compare_output(got, np.asarray(ref[name]), tol, lambda name=name: recompute(name))
            per_output[name] = agr.to_dict()
            match = match and agr.match
            worst = max(worst, agr.max_rel_err)
            overflow += agr.reference_overflow
        report = self.report(res.report, match, worst, per_output)
        report["reference_overflow"] = overflow
        return RunResult(outputs, report, match, worst, dict(ref), res.report, res.trace)

    def report(self, rep: Any, match: bool, worst: float, per_output: dict[str, Any]) -> dict[str, Any]:
        """The run report: the emulator's measurements plus the compiler's
        decisions (spills, SHAPE count) and the comparison."""
        low = self.lowered
        body = rep.to_dict(instructions=False)
        out: dict[str, Any] = {
            "network": self.network.name,
            "arch": self.arch.name,
            "cycles": body["cycles"],
            "array_cycles": body["array_cycles"],
            "macs": body["macs"],
            "plan_macs": self.plan.macs(),
            "utilization": body["utilization"],
            "energy_pj": body["energy_pj"],
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


def lowering_options(lowering: Any) -> Any:
    """``lowering`` as :class:`~tncc.passes.options.LoweringOptions`: one
    already, ``None`` (the lowering chooses everything), or its text form
    (``"co_schedule=off,stage_share=4"``, :meth:`LoweringOptions.parse`)."""
    from tncc.passes.options import LoweringOptions

    if lowering is None or isinstance(lowering, LoweringOptions):
        return lowering
    if isinstance(lowering, str):
        return LoweringOptions.parse(lowering)
    raise TnccError(f"lowering must be a LoweringOptions, its text form or None, not {type(lowering).__name__}")


def compile_network(net: Network, arch: Any = "fetta", order: str = "csse", objective: str | None = None,
                    max_memory: int | str | None = None, lowering: Any = None,
                    max_work: float | str | None = None) -> Compiled:
    """Compile a checked network for ``arch`` (an ``Arch`` or a spec string).
    Tiling a step into more blocks than ``max_memory`` bytes can hold, or
    into more than ``max_work`` seconds of estimated compile work (default
    :data:`tncc.guard.DEFAULT_MAX_WORK`), is a
    :class:`~tncc.guard.ResourceError` (:mod:`tncc.guard`); ``lowering``
    forces lowering options (:func:`lowering_options`)."""
    from tncc import guard
    from tncc.passes.lower import lower_plan

    with guard.limit(max_memory, max_work):
        t0 = time.perf_counter()
        a = resolve_arch(arch)
        opts = lowering_options(lowering)
        plan = make_plan(net, a, order, objective)
        guard.check_plan(plan)
        lowered = lower_plan(plan, a, opts)
        return Compiled(net, a, plan, lowered, time.perf_counter() - t0, opts)


def compile(path_or_network: str | os.PathLike[str] | Network, arch: Any = "fetta", network: str | None = None,
            order: str = "csse", objective: str | None = None, max_memory: int | str | None = None,
            lowering: Any = None, max_work: float | str | None = None) -> Compiled:
    """``tncc.compile``: a ``.tn`` path (``network`` picks one of several) or
    a :class:`Network`, compiled for ``arch``; ``max_memory`` and
    ``max_work`` as in :func:`compile_network`.  ``lowering`` (a
    :class:`~tncc.passes.options.LoweringOptions`) forces the lowering's
    choices (staging share, wide paddings, lookahead, prefetch, deferred
    stores, co-scheduling); left ``None`` the lowering weighs them."""
    if isinstance(path_or_network, Network):
        net = path_or_network
    else:
        from tncc.frontend import load_network

        net = load_network(path_or_network, network)
    return compile_network(net, arch, order, objective, max_memory, lowering, max_work)
