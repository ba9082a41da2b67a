"""Hypothesis strategies for instructions, config records and whole programs.

Everything drawn here is valid by construction (it builds without error and
encodes), so users fuzzing an extension of the ISA, the encoder or the
emulator can start from these::

    from hypothesis import given
    from tncc.testing_isa import programs

    @given(programs())
    def test_my_pass_keeps_programs_valid(p): ...

Values range over the whole encodable space (40-bit DRAM addresses, signed
strides, 16-bit indices) with a bias towards small numbers, which is where
off-by-one errors live.
"""

from __future__ import annotations

from hypothesis import strategies as st

from tncc.ir import DType
from tncc.isa.program import (BUF_MAX, DRAM_MAX, EXTENT_MAX, MAX_DIMS, MAX_LOOPS, STRIDE_MAX, DmaDesc, Drain,
                              GemmDesc, Instruction, Program, RedConfig, Stream, SwitchConfig, Symbol, SymbolRole,
                              TileDesc, benes_switches, copy_switches)
from tncc.isa.table import NO_SRC, TABLE, TILE_DATAFLOWS, ConfigKind, Opcode

__all__ = [
    "dtypes", "dma_descs", "switch_configs", "red_configs", "streams", "drains", "tile_descs", "gemm_descs",
    "symbols", "instructions", "programs", "statements",
]

dtypes = st.sampled_from(list(DType))


def _uint(hi: int) -> st.SearchStrategy[int]:
    """Unsigned values up to ``hi``, often small, sometimes at the edges."""
    return st.one_of(st.integers(0, min(hi, 300)), st.integers(0, hi), st.just(hi))


def _sint(bound: int) -> st.SearchStrategy[int]:
    return st.one_of(st.integers(-64, 64), st.integers(-bound, bound), st.sampled_from([-bound, bound]))


def _extent() -> st.SearchStrategy[int]:
    return st.one_of(st.integers(1, 16), st.integers(1, EXTENT_MAX))


_STRIDE = _sint(STRIDE_MAX)
_EXTENT = _extent()
_BUF = _uint(BUF_MAX)


@st.composite
def _factored(draw: st.DrawFn, total: int, max_dims: int = MAX_DIMS) -> tuple[int, ...]:
    """Extents (at most ``max_dims``, at least one) whose product is ``total``."""
    factors: list[int] = []
    rest = total
    while len(factors) < max_dims - 1 and rest > 1 and draw(st.booleans()):
        f = draw(st.integers(1, rest))
        while rest % f:  # the largest divisor of rest not above the drawn number
            f -= 1
        factors.append(f)
        rest //= f
    factors.append(rest)
    return tuple(draw(st.permutations(factors)))


def _with_strides(draw: st.DrawFn, extents: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    return tuple((e, draw(_STRIDE)) for e in extents)


def _dims(width: int, lo: int = 1) -> st.SearchStrategy[tuple[tuple[int, ...], ...]]:
    row = st.tuples(_EXTENT, *(_STRIDE for _ in range(width - 1)))
    return st.lists(row, min_size=lo, max_size=MAX_DIMS).map(tuple)


dma_descs = st.builds(DmaDesc, dims=_dims(3), dtype=dtypes)


@st.composite
def switch_configs(draw: st.DrawFn, ports: int | None = None) -> SwitchConfig:
    """Arbitrary switch bits (not necessarily a useful route) for ``ports`` ports."""
    n = ports if ports is not None else draw(st.sampled_from([2, 4, 8, 16, 64]))
    return SwitchConfig(n, draw(_bitstring(benes_switches(n))), draw(_bitstring(copy_switches(n))),
                        draw(_bitstring(benes_switches(n))))


def _bitstring(count: int) -> st.SearchStrategy[bytes]:
    """``count`` random bits packed by :func:`pack_bits` (padding bits zero)."""
    size = (count + 7) // 8
    mask = (1 << count) - 1
    return st.binary(min_size=size, max_size=size).map(
        lambda b: (int.from_bytes(b, "little") & mask).to_bytes(size, "little"))


red_configs = st.builds(RedConfig, groups=st.lists(st.integers(1, 1 << 16), min_size=1, max_size=24).map(tuple))


@st.composite
def streams(draw: st.DrawFn, ports: int | None = None, beats: int | None = None) -> Stream:
    """A stream with ``ports`` ports and ``beats`` beats (drawn when not given)."""
    port_ext = draw(_factored(ports)) if ports is not None else tuple(draw(_EXTENTS))
    beat_ext = draw(_factored(beats)) if beats is not None else tuple(draw(_EXTENTS))
    return Stream(draw(_BUF), _with_strides(draw, port_ext), _with_strides(draw, beat_ext))


@st.composite
def drains(draw: st.DrawFn, words: int | None = None) -> Drain:
    ext = draw(_factored(words)) if words is not None else tuple(draw(_EXTENTS))
    return Drain(draw(_BUF), _with_strides(draw, ext))


_EXTENTS = st.lists(_EXTENT, max_size=MAX_DIMS)
_LOOPS = st.lists(st.tuples(_EXTENT, _STRIDE, _STRIDE, _STRIDE, st.booleans()), max_size=MAX_LOOPS)


@st.composite
def tile_descs(draw: st.DrawFn) -> TileDesc:
    tb, tm, tn, tkk = (draw(st.integers(1, 8)) for _ in range(4))
    beats = draw(st.integers(1, 4096))
    loops = draw(_LOOPS)
    return TileDesc(draw(dtypes), draw(st.sampled_from(TILE_DATAFLOWS)), tb, tm, tn, tkk,
                    draw(streams(tb * tm * tkk, beats)), draw(streams(tb * tn * tkk, beats)),
                    draw(drains(tb * tm * tn)), draw(st.booleans()), tuple(loops))


@st.composite
def gemm_descs(draw: st.DrawFn) -> GemmDesc:
    m, n, k = (draw(st.integers(1, 4096)) for _ in range(3))
    addr = _BUF
    return GemmDesc(draw(dtypes), m, n, k, draw(addr), draw(st.integers(k, BUF_MAX)), draw(addr),
                    draw(st.integers(n, BUF_MAX)), draw(addr), draw(st.integers(n, BUF_MAX)), draw(st.booleans()))


_FIRST = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
names = st.builds(lambda a, b: a + b, st.sampled_from(_FIRST),
                  st.text(alphabet=_FIRST + "0123456789.", max_size=12))


@st.composite
def symbols(draw: st.DrawFn, name: str | None = None) -> Symbol:
    shape = tuple(draw(st.lists(_EXTENT, max_size=6)))
    strides = tuple(draw(st.lists(_uint(STRIDE_MAX), min_size=len(shape), max_size=len(shape))))
    return Symbol(name if name is not None else draw(names), draw(st.sampled_from(list(SymbolRole))), draw(dtypes),
                  shape, draw(_uint(DRAM_MAX)), strides)


statements = st.text(max_size=40)


@st.composite
def instructions(draw: st.DrawFn, counts: dict[ConfigKind, int] | None = None, n_statements: int | None = None,
                 opcodes: tuple[Opcode, ...] | None = None) -> Instruction:
    """An instruction.  With ``counts`` (config records per section) its index
    fields stay in range and opcodes whose section is empty are not drawn; with
    ``n_statements`` its ``src`` is a statement index or ``NO_SRC``."""
    allowed = [op for op in (opcodes or tuple(Opcode))
               if counts is None or all(counts.get(f.ref, 0) > 0 for f in TABLE[op].fields if f.ref is not None)]
    op = draw(st.sampled_from(allowed))
    vals = []
    for f in TABLE[op].fields:
        hi = f.max if f.ref is None or counts is None else counts[f.ref] - 1
        vals.append(draw(_uint(hi)))
    if n_statements is None:
        src = draw(_uint(NO_SRC))
    else:
        src = draw(st.one_of(st.just(NO_SRC), st.integers(0, n_statements - 1))) if n_statements else NO_SRC
    return Instruction(op, tuple(vals), src)


@st.composite
def programs(draw: st.DrawFn, max_instructions: int = 24) -> Program:
    """A whole program whose references (config indices, ``src``) are all in range."""
    stmts = tuple(draw(st.lists(statements, max_size=5)))
    syms = draw(st.lists(names, max_size=4, unique=True))
    syms_t = tuple(draw(symbols(name)) for name in syms)
    dmas = draw(st.lists(dma_descs, max_size=3))
    switches = draw(st.lists(switch_configs(), max_size=2))
    reds = draw(st.lists(red_configs, max_size=2))
    tiles = draw(st.lists(tile_descs(), max_size=2))
    gemms = draw(st.lists(gemm_descs(), max_size=2))
    counts = {ConfigKind.DMA: len(dmas), ConfigKind.SWITCH: len(switches), ConfigKind.RED: len(reds),
              ConfigKind.TILE: len(tiles), ConfigKind.GEMM: len(gemms)}
    code = draw(st.lists(instructions(counts, len(stmts)), max_size=max_instructions))
    return Program(draw(st.text(max_size=20)), draw(st.integers(0, 0xFFFFFFFF)), tuple(code),
                   dmas=tuple(dmas), switches=tuple(switches), reds=tuple(reds), tiles=tuple(tiles),
                   gemms=tuple(gemms), symbols=syms_t, statements=stmts)
