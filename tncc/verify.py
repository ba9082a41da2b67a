"""The verifiers of the network IR and the contraction plan, by their old names.

Each IR level's ``verify()`` lives beside its types (``tncc.ir``,
``tncc.plan``, ``tncc.passes.memory``, ``tncc.passes.tiled_ir``,
``tncc.isa.program``) and raises :class:`~tncc.errors.VerifyError`; this
module only re-exports the two functions it used to define.
"""

from __future__ import annotations

from tncc.ir import verify_network
from tncc.plan import verify_plan

__all__ = ["verify_network", "verify_plan"]
