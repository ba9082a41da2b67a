"""The resource guard: estimate the memory a step needs before it starts,
and stop at once with a clear error when it is more than the limit.

A program can ask for far more than any host has (an outer product of twelve
size-10 indices has 10**12 elements; ``index i = 2147483647`` makes 8 GiB
tensors).  Without a guard the process works for minutes and then dies with a
``MemoryError`` -- or takes the machine down with it.  Each step that
allocates in proportion to the program estimates its need first:

* a run (``tncc run``, ``compare``, ``Compiled.run``): every tensor the host
  holds -- the random or given inputs, the reference's values and
  intermediates, the emulator's DRAM image, the outputs and the comparison's
  float64 copies -- estimated per element by :func:`run_needs`;
* the emulator alone (``tncc sim``): its DRAM and buffer images;
* tiling (every compile): the blocks a step is split into
  (:func:`check_blocks`); each costs about :data:`BLOCK_BYTES` through
  lowering (measured: an outer product tiled into 80 000 blocks peaked at
  1.0 GB, 12.5 KB a block) and about :data:`BLOCK_SECONDS` of time, which
  is announced on standard error when it adds up to minutes.

Time is guarded the same way: a step's compile work is estimated from its
block count before any block is built (:data:`BLOCK_SECONDS` each, measured
on a 2-core 2.x GHz x86-64 host), and more than ``--max-work`` seconds
(default :data:`DEFAULT_MAX_WORK`; ``max_work=`` in the Python API) stops
at once with the statement, the estimate and the limit.  Such a step would
also emulate slowly: every block becomes at least one tile run.

The limit is ``--max-memory`` (``512M``, ``4G``, ``1.5GiB``, plain bytes) on
``run``, ``compile``, ``compare`` and ``sim``, or ``max_memory=`` in the
Python API; by default it is half of the machine's physical memory (or of
the control group's limit, when that is lower).  The error names the
statement (``file:line:col``), the tensor, its size and the limit.
"""

from __future__ import annotations

import argparse
import contextlib
import contextvars
import math
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator

from tncc.errors import Diagnostic, Span, TnccError

if TYPE_CHECKING:
    from tncc.ir import Network
    from tncc.plan import Plan

DEFAULT_FRACTION = 0.5
"""The share of the machine's memory tncc may plan to use by default."""

BLOCK_BYTES = 16 * 1024
"""Host bytes one tiled block costs through lowering (see the module doc)."""

BLOCK_SECONDS = 1.5e-3
"""Compile time one tiled block costs through tiling and every lowering
option tried (measured: a 30-index outer product in 262 144 blocks took
390 s).  A step estimated past :data:`SLOW_SECONDS` gets a note on standard
error, so a long compile is announced rather than silent."""

SLOW_SECONDS = 30.0

DEFAULT_MAX_WORK = 120.0
"""Seconds of estimated compile work a step may take by default (about
80 000 blocks; the largest example and paper workload takes far fewer)."""
_noted: set[tuple[str, int]] = set()

_UNITS = {"": 1, "B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
_limit: contextvars.ContextVar[int | None] = contextvars.ContextVar("tncc_max_memory", default=None)
_work: contextvars.ContextVar[float | None] = contextvars.ContextVar("tncc_max_work", default=None)
_TIME_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0}


class ResourceError(TnccError):
    """A step would need more memory than the limit allows."""


def physical_memory() -> int | None:
    """Bytes of memory this process may use: the machine's physical memory,
    or the control group's limit when that is lower; None if unknown."""
    total = None
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        pass
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(path) as fh:
                text = fh.read().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < (1 << 60):  # "max" or a huge number mean no limit
            total = int(text) if total is None else min(total, int(text))
    return total


def default_max_memory() -> int:
    """:data:`DEFAULT_FRACTION` of :func:`physical_memory` (8 GiB if unknown)."""
    mem = physical_memory()
    return int(mem * DEFAULT_FRACTION) if mem else 8 << 30


def max_memory() -> int:
    """The limit in force: the innermost :func:`limit`, else the default."""
    value = _limit.get()
    return default_max_memory() if value is None else value


def _limit_source() -> str:
    if _limit.get() is not None:
        return "--max-memory"
    mem = physical_memory()
    shown = format_bytes(mem) if mem else "an assumed 16 GiB"
    return f"the default, half of this machine's {shown}; --max-memory raises it"


def max_work() -> float:
    """The work limit in force, in seconds: the innermost :func:`limit`,
    else :data:`DEFAULT_MAX_WORK`."""
    value = _work.get()
    return DEFAULT_MAX_WORK if value is None else value


@contextlib.contextmanager
def limit(max_memory: int | str | None, max_work: float | str | None = None) -> Iterator[None]:
    """Within the block, guarded steps use ``max_memory`` bytes (a number or
    a text such as ``4G``) and ``max_work`` seconds of estimated compile work
    per step (a number or a text such as ``10m``); None keeps the current
    limit."""
    tokens: list[tuple[contextvars.ContextVar[Any], contextvars.Token[Any]]] = []
    if max_memory is not None:
        tokens.append((_limit, _limit.set(parse_memory(max_memory) if isinstance(max_memory, str)
                                          else check_memory(max_memory))))
    if max_work is not None:
        tokens.append((_work, _work.set(parse_seconds(max_work) if isinstance(max_work, str)
                                        else check_seconds(max_work))))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def check_seconds(value: object) -> float:
    """``value`` as float if it is a positive finite number of seconds, else a TnccError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise TnccError(f"max_work must be a positive number of seconds, got {value!r}")
    return float(value)


def parse_seconds(text: str) -> float:
    """Seconds in ``text``: a number with an optional unit s, m or h."""
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([smhSMH]?)\s*", text)
    if m is None or float(m.group(1)) <= 0:
        raise TnccError(f"--max-work: `{text}` is not a positive duration (examples: 600, 90s, 10m, 1h)")
    return float(m.group(1)) * _TIME_UNITS[m.group(2).lower()]


def work_arg(text: str) -> float:
    """The ``--max-work`` option's type (a bad duration is a usage error)."""
    try:
        return parse_seconds(text)
    except TnccError:
        raise argparse.ArgumentTypeError(f"`{text}` is not a positive duration (examples: 600, 90s, 10m, 1h)") from None


def check_memory(value: object) -> int:
    """``value`` if it is a positive whole number of bytes, else a TnccError."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise TnccError(f"max_memory must be a positive number of bytes, got {value!r}")
    return value


def parse_memory(text: str) -> int:
    """Bytes in ``text``: a number with an optional unit K, M, G or T
    (powers of 1024; ``KiB``, ``KB`` and ``k`` say the same)."""
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([KMGTkmgt]?)(?:i?[Bb])?\s*", text)
    if m is None:
        raise TnccError(f"--max-memory: `{text}` is not a size (examples: 4G, 512M, 1.5GiB, 1000000)")
    value = float(m.group(1)) * _UNITS[m.group(2).upper()]
    if not math.isfinite(value) or value < 1:
        raise TnccError(f"--max-memory: `{text}` is not a positive size")
    return int(value)


def memory_arg(text: str) -> int:
    """The ``--max-memory`` option's type (a bad size is a usage error)."""
    try:
        return parse_memory(text)
    except TnccError:
        raise argparse.ArgumentTypeError(f"`{text}` is not a size (examples: 4G, 512M, 1.5GiB, 1000000)") from None


def add_option(parser: argparse.ArgumentParser, work: bool = True) -> None:
    """Add ``--max-memory`` to a command, and ``--max-work`` when it compiles."""
    parser.add_argument("--max-memory", type=memory_arg, default=None, metavar="SIZE",
                        help="stop before any step that would need more host memory than SIZE "
                             "(e.g. 4G; default: half of this machine's memory)")
    if work:
        parser.add_argument("--max-work", type=work_arg, default=None, metavar="TIME",
                            help="stop before any step whose compile work is estimated past TIME "
                                 f"(e.g. 600, 10m; default: {DEFAULT_MAX_WORK:.0f} s)")


def format_bytes(n: float) -> str:
    for unit, size in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} bytes"


@dataclass(frozen=True)
class Need:
    """Memory one tensor of a step needs: ``what`` it is, the statement it
    belongs to (``span`` to point at), its elements and the host bytes."""

    tensor: str
    what: str
    span: Span | None
    elements: int
    nbytes: int


def check(needs: list[Need], step: str) -> None:
    """Raise :class:`ResourceError` when the ``needs`` of ``step`` (a phrase:
    "running the network") exceed the limit, naming the largest tensor."""
    if not needs:
        return
    budget = max_memory()
    total = sum(n.nbytes for n in needs)
    if total <= budget:
        return
    big = max(needs, key=lambda n: n.nbytes)
    alone = big.nbytes > budget
    msg = (f"{big.what} '{big.tensor}' has {big.elements:,} elements ({format_bytes(big.nbytes)} on the host "
           f"while {step}); " + ("that alone is" if alone else f"with the rest, {format_bytes(total)} is")
           + f" more than the memory limit of {format_bytes(budget)} ({_limit_source()})")
    raise ResourceError(Diagnostic(msg, span=big.span, where=None if big.span else f"tensor {big.tensor}"))


# Host bytes per element while running (see run_needs).
_LEAF_BYTES = 32  # drawn in float64, stored, the emulator's DRAM copy, the reference's compute copy
_RESULT_BYTES = 24  # the reference's value (up to 8 bytes), the emulator's DRAM word, a spare copy
_OUTPUT_BYTES = 72  # and the outputs dict, float64 copies and masks of the comparison


def run_needs(net: "Network", plan: "Plan | None" = None) -> list[Need]:
    """What running ``net`` holds on the host, per tensor (module doc): every
    leaf, every statement result, and with ``plan`` every intermediate of
    its steps (the reference contracts along the same pairwise order)."""
    needs: list[Need] = []
    spans = {st.result: st.span for st in net.statements}
    outputs = set(net.outputs)
    for t in net.tensors:
        n = math.prod(net.shape(t.name))
        if t.name in spans:
            per = _OUTPUT_BYTES if t.name in outputs else _RESULT_BYTES
            needs.append(Need(t.name, "the result", spans[t.name], n, n * per))
        else:
            needs.append(Need(t.name, f"{t.role.value}", getattr(t, "span", None), n, n * _LEAF_BYTES))
    if plan is not None:
        # The plan's own network: it may declare indices the user's lacks (a
        # diagonal write's fresh index, passes/diagonal.py).
        sizes = plan.network.sizes()
        known = {t.name for t in net.tensors}
        for s in plan.steps:
            if s.result in known:
                continue
            n = math.prod(sizes[i] for i in s.indices)
            needs.append(Need(s.result, f"the intermediate of statement '{s.statement}'", spans.get(s.statement),
                              n, n * _RESULT_BYTES))
    return needs


def check_run(net: "Network", plan: "Plan | None" = None) -> None:
    """:func:`check` of :func:`run_needs`."""
    check(run_needs(net, plan), "running the network")


MAX_RANK = 64
"""numpy's limit on array dimensions: the reference and the emulator hold
every tensor, intermediates included, as arrays."""


def check_plan(plan: "Plan") -> None:
    """Every intermediate of ``plan`` has at most :data:`MAX_RANK` indices
    (the front end checks the tensors a user writes; an order can make a
    wider intermediate)."""
    spans = {st.result: st.span for st in plan.network.statements}
    for s in plan.steps:
        if len(s.indices) > MAX_RANK:
            span = spans.get(s.statement)
            raise TnccError(Diagnostic(
                f"the contraction order of statement '{s.statement}' makes an intermediate with "
                f"{len(s.indices)} indices; at most {MAX_RANK} are supported (numpy's limit on array "
                "dimensions); try another --order", span=span, where=None if span else f"statement {s.statement}"))


def check_emulator(program: object, dram_words: int, buffer_words: int, word_bytes: int) -> None:
    """Before the emulator allocates its memories: DRAM and buffer images of
    ``word_bytes`` per word, plus each input's value as given or drawn (the
    symbols of ``program``, a :class:`tncc.isa.program.Program`)."""
    needs = [Need("DRAM", "the emulator's memory", None, dram_words, dram_words * word_bytes),
             Need("buffer", "the emulator's memory", None, buffer_words, buffer_words * word_bytes)]
    for sym in getattr(program, "symbols", ()):
        n = math.prod(sym.shape)
        needs.append(Need(sym.name, f"the {sym.role.value} symbol", None, n, n * 8))
    check(needs, "emulating the program")


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} minutes"


def check_blocks(blocks: int, statement: str, span: Span | None, where: str) -> None:
    """Before tiling a step into ``blocks`` blocks: raise when their lowering
    would need more than the memory limit (about :data:`BLOCK_BYTES` each)
    or more than the work limit (about :data:`BLOCK_SECONDS` each)."""
    need = blocks * BLOCK_BYTES
    budget = max_memory()
    if need > budget:
        msg = (f"statement '{statement}' would be tiled into {blocks:,} block{'s' if blocks != 1 else ''} (about {format_bytes(need)} "
               f"of host memory to compile), more than the memory limit of {format_bytes(budget)} "
               f"({_limit_source()})")
        raise ResourceError(Diagnostic(msg, span=span, where=None if span else where))
    seconds = blocks * BLOCK_SECONDS
    allowed = max_work()
    if seconds > allowed:
        source = "--max-work" if _work.get() is not None else "the default; --max-work raises it"
        msg = (f"statement '{statement}' would be tiled into {blocks:,} blocks; compiling them is estimated at "
               f"{_duration(seconds)} ({BLOCK_SECONDS * 1e3:g} ms a block), more than the work limit of "
               f"{_duration(allowed)} ({source})")
        raise ResourceError(Diagnostic(msg, span=span, where=None if span else where))
    if seconds > SLOW_SECONDS and (statement, blocks) not in _noted:
        _noted.add((statement, blocks))
        import sys

        print(f"{where}: note: statement '{statement}' is tiled into {blocks:,} blocks; compiling it takes "
              f"about {seconds / 60:.0f} minute(s)", file=sys.stderr)
