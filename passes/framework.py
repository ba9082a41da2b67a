"""The pass interface and the pipeline that runs passes, apart from any one pass.

A pass is a small frozen dataclass: its fields are its options, its class
attribute ``name`` is what ``tncc compile --print-after`` calls it, and its
one method ``apply(ir, ctx)`` returns new IR without changing its input.
Every IR level a pass returns has a ``verify()`` that raises
:class:`~tncc.errors.VerifyError`; :class:`Pipeline` runs the passes in
order, verifies after each one (when ``ctx.verify``), names the pass whose
output broke an invariant, and hands each result to an observer (which is
how ``--print-after`` and ``--emit`` see the IR between passes).

A pass that drives passes of its own (the lowering's tuner runs memory
planning, tiling, layout tuning and code generation once per candidate)
states which of their results its own result stands for
(:meth:`Pass.trace`); the pipeline verifies and shows those as if they had
run at its level, so ``--print-after tile`` prints the tiling of the
program that was kept.

The compiler's passes are in :mod:`tncc.passes.pipeline` (the order and
the lowering) and :mod:`tncc.passes.lowering_passes` (the lowering's).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Protocol

from tncc.errors import VerifyError
from tncc.isa.arch import Arch


class IR(Protocol):
    """What every IR level offers the pipeline."""

    def verify(self) -> None: ...


@dataclass(frozen=True, slots=True)
class PassContext:
    """What every pass may read: the target machine, and whether the
    pipeline verifies the IR after each pass."""

    arch: Arch
    verify: bool = True


class Pass(abc.ABC):
    """One compiler pass (module doc).  Subclasses are frozen dataclasses
    whose fields are the pass's options."""

    name: ClassVar[str]

    @abc.abstractmethod
    def apply(self, ir: Any, ctx: PassContext) -> Any:
        """The IR after this pass; ``ir`` itself is left unchanged."""

    def trace(self, result: Any) -> tuple[tuple[str, Any], ...]:
        """The results of the inner passes that ``result`` (this pass's
        output) was made by, each with its pass's name, in order; none for
        a pass that runs no passes of its own."""
        return ()


Observer = Callable[[str, Any], None]


@dataclass(frozen=True)
class Pipeline:
    """Passes run in order over one IR value."""

    passes: tuple[Pass, ...]

    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.passes)

    def run(self, ir: Any, ctx: PassContext, after: Observer | None = None, until: str | None = None) -> Any:
        """Apply every pass (up to and including ``until``) to ``ir``.  With
        ``ctx.verify`` each result is verified, and so is each inner result
        a pass's :meth:`~Pass.trace` names; a broken invariant raises
        :class:`VerifyError` naming the pass.  ``after(name, ir)`` sees each
        inner result, then each pass's result."""
        for p in self.passes:
            ir = p.apply(ir, ctx)
            checked: list[Any] = []
            for name, inner in (*p.trace(ir), (p.name, ir)):
                if ctx.verify and not any(inner is c for c in checked):  # a record a pass returns as it got it
                    verify_after(name, inner)
                    checked.append(inner)
                if after is not None:
                    after(name, inner)
            if p.name == until:
                break
        return ir


def verify_after(pass_name: str, ir: IR) -> None:
    """``ir.verify()``, with a failure naming the pass that produced ``ir``."""
    try:
        ir.verify()
    except VerifyError as exc:
        raise VerifyError(exc.message, pass_name=pass_name) from exc
