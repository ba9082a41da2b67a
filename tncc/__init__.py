"""tncc: a compiler from tensor-network programs to a FETTA-style accelerator.

The public API grows with the pipeline; see README.md for a tour.

Front end and IR::

    tncc.parse_source(text, file="<string>")  -> frontend.ast.SourceFile (syntax only)
    tncc.parse_file(path)                      -> frontend.ast.SourceFile
    tncc.load_network(path, name=None)         -> ir.Network (checked, grads expanded)
    tncc.load_source(text, file="<string>")    -> tuple[ir.Network, ...]
    tncc.from_einsum("bi,io->bo", sizes={...}) -> ir.Network (also arrays/shapes, interleaved form)
    tncc.reference.evaluate(net, inputs)       -> dict of outputs (numpy oracle)
    tncc.workloads.tt_linear(...)              -> .tn text of a workload (tncc.evaluation.workloads)

Heavy modules (numpy) are imported on first use so that ``tncc check`` starts fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tncc.errors import TnccError
from tncc.frontend import load_file, load_network, load_source, parse_file, parse_source

if TYPE_CHECKING:  # what the lazy names below resolve to, for type checkers
    from tncc.evaluation.api import comparison, to_dataframe
    from tncc.compiled import Compiled, RunResult, compile  # noqa: F401
    from tncc.passes.options import LoweringOptions
    from tncc.passes.order.planner import plan_network  # noqa: F401

# The back end and the evaluation tools are imported on first use, so that the
# front end's commands (``tncc check``) do not load the whole compiler.
_LAZY = {
    "plan_network": "tncc.passes.order.planner",  # CSSE: network IR -> contraction plan
    "comparison": "tncc.evaluation.api",  # evaluation: compare configurations, tabulate reports
    "to_dataframe": "tncc.evaluation.api",
    "Compiled": "tncc.compiled",  # back end: compile for an arch, emulate, compare
    "RunResult": "tncc.compiled",
    "compile": "tncc.compiled",
    "LoweringOptions": "tncc.passes.options",  # force the lowering's choices: tncc.compile(..., lowering=)
}

_LAZY_MODULES = {"reference": "tncc.reference", "workloads": "tncc.evaluation.workloads"}

__version__ = "0.1.0"


def from_einsum(equation: Any, *args: Any, sizes: Any = None, name: str = "einsum", dtype: Any = "fp32") -> Any:
    """A :class:`~tncc.ir.Network` for a numpy-style einsum: ``from_einsum(eq, sizes)``,
    ``from_einsum(eq, *arrays_or_shapes)`` or the interleaved ``from_einsum(a, [0, 1], b, [1, 2], [0, 2])``;
    see :func:`tncc.frontend.einsum.from_einsum`."""
    # start-up: every command imports tncc; only this needs the einsum front end
    from tncc.frontend.einsum import from_einsum as _from_einsum

    return _from_einsum(equation, *args, sizes=sizes, name=name, dtype=dtype)


def __getattr__(name: str) -> Any:
    import importlib

    # ``tncc.reference`` and ``tncc.workloads`` are modules, imported on first use
    # (the reference pulls in numpy).  The workload generators live in the evaluation
    # package; ``tncc.workloads`` is the name the README gives them.
    if name in _LAZY_MODULES:
        return importlib.import_module(_LAZY_MODULES[name])
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tncc' has no attribute {name!r}")


__all__ = ["TnccError", "parse_source", "parse_file", "load_network", "load_source", "load_file",
           "from_einsum", "reference", "workloads", "__version__", "comparison", "to_dataframe", "plan_network",
           "Compiled", "RunResult", "compile", "LoweringOptions"]
