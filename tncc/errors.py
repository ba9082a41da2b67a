"""The one error type of tncc and the source spans it points at.

Every failure a user can cause (a malformed ``.tn`` file, a bad architecture
file, a truncated binary, an emulator fault, a tensor that does not fit) is a
:class:`TnccError` carrying one or more :class:`Diagnostic` s.  The command
line prints ``err.render()`` and exits with status 1; it never shows a Python
traceback for bad input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable


@dataclass(frozen=True, slots=True)
class Span:
    """A region of a source file; lines and columns count from 1.

    ``end_column`` is exclusive.  ``text`` is the whole source the span points
    into (kept out of equality) so a diagnostic can show the offending line.
    """

    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    text: str | None = field(default=None, compare=False, repr=False)

    def source_line(self) -> str | None:
        if self.text is None:
            return None
        # Lines end at "\n" only, as lexers count them; str.splitlines would
        # also break at form feeds, U+2028 and others and show the wrong line.
        lines = self.text.split("\n")
        if 1 <= self.line <= len(lines):
            return lines[self.line - 1].rstrip("\r")
        return None


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One message.  ``span`` locates it in a source file; ``where`` locates it
    elsewhere (``"instruction 12 (CTILE) at 0x0060"``, ``"arch key dma.bandwidth"``)."""

    message: str
    span: Span | None = None
    where: str | None = None
    severity: str = "error"

    def render(self) -> str:
        if self.span is not None:
            s = self.span
            head = f"{s.file}:{s.line}:{s.column}: {self.severity}: {self.message}"
            line = s.source_line()
            if line is None:
                return head
            width = s.end_column - s.column if s.end_line == s.line else len(line) - s.column + 1
            # Keep the source's tabs in the indent so the caret lines up.
            indent = "".join("\t" if ch == "\t" else " " for ch in line[:s.column - 1])
            caret = indent + "^" + "~" * max(0, width - 1)
            return f"{head}\n    {line}\n    {caret}"
        if self.where is not None:
            return f"{self.where}: {self.severity}: {self.message}"
        return f"{self.severity}: {self.message}"


class TnccError(Exception):
    """Raised for every error in the user's input; holds all diagnostics found."""

    def __init__(self, diagnostics: Diagnostic | str | Iterable[Diagnostic], *, where: str | None = None):
        if isinstance(diagnostics, str):
            diags: tuple[Diagnostic, ...] = (Diagnostic(diagnostics, where=where),)
        elif isinstance(diagnostics, Diagnostic):
            diags = (diagnostics,)
        else:
            diags = tuple(diagnostics)
        if not diags:
            raise ValueError("TnccError needs at least one diagnostic")
        self.diagnostics = diags
        super().__init__(self.render())

    def render(self) -> str:
        return "\n".join(d.render() for d in self.diagnostics)


class Collector:
    """Gathers diagnostics during a check so all of them are reported at once."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []

    def error(self, message: str, span: Span | None = None, where: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(message, span, where))

    def raise_if_any(self) -> None:
        if self.diagnostics:
            raise TnccError(self.diagnostics)

    def __bool__(self) -> bool:
        return bool(self.diagnostics)


class VerifyError(AssertionError):
    """An IR that breaks an invariant of its level: a compiler bug, not bad input.

    Raised by every ``verify()`` (network, plan, memory plan, tiled program,
    machine program) with a message naming what is wrong; the pass pipeline
    adds the name of the pass that produced the IR (``pass_name``).  It is
    raised explicitly, never by ``assert``, so ``python -O`` checks the same.
    It derives from ``AssertionError`` because that is what a broken internal
    invariant is, and so callers that guard against internal errors that way
    keep working."""

    def __init__(self, message: str, *, pass_name: str | None = None) -> None:
        self.message = message
        self.pass_name = pass_name
        super().__init__(message if pass_name is None else f"pass '{pass_name}' produced invalid IR: {message}")
