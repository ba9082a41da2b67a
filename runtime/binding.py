"""Binding inputs to DRAM symbols and reading outputs back.

Inputs bind by symbol name and are checked for shape and element type;
inputs not given get seeded random values in the style of
:func:`tncc.reference.random_inputs`: each symbol draws from its own
generator seeded by ``(seed, crc32(name))`` (so adding a symbol changes no
other), standard normal for floating types and uniform in
``tncc.reference.INT_RANGE`` for integer ones.  Values are rounded to the
symbol's type as they are stored, as the hardware would hold them.
"""

from __future__ import annotations

import math
import zlib
from typing import Mapping

import numpy as np

from tncc.errors import TnccError
from tncc.ir import DType
from tncc.isa.program import Program, Symbol, SymbolRole
from tncc.options import check_seed
from tncc.reference import INT_RANGE, delta
from tncc.runtime.memory import ACCESS_LIMIT, Memory
from tncc.runtime.numeric import numpy_type, round_to, storage_type

INPUT_ROLES = (SymbolRole.INPUT, SymbolRole.PARAM, SymbolRole.GRAD_INPUT)


def storage_for(program: Program) -> np.dtype:
    """Memory element type holding every type the program uses exactly."""
    types = [s.dtype for s in program.symbols] + [d.dtype for d in program.dmas]
    types += [t.dtype for t in program.tiles] + [g.dtype for g in program.gemms]
    if any(t.is_int for t in types):
        types.append(DType.INT32)  # integer tiles drain int32 accumulators
    return storage_type(types)


def _dims(sym: Symbol) -> list[tuple[int, int]]:
    return list(zip(sym.shape, sym.strides))


def dram_words(program: Program) -> int:
    """DRAM size: up to the last word any symbol occupies."""
    end = 0
    for s in program.symbols:
        end = max(end, s.dram + sum((e - 1) * st for e, st in zip(s.shape, s.strides)) + 1)
    return end


def _check(sym: Symbol, value: np.ndarray) -> np.ndarray:
    arr = np.asarray(value)
    expect = f"input `{sym.name}` expects shape {sym.shape} {sym.dtype.value}"
    if tuple(arr.shape) != sym.shape:
        raise TnccError(f"{expect}, got {tuple(arr.shape)}")
    if arr.dtype.kind not in ("iub" if sym.dtype.is_int else "fiub"):
        raise TnccError(f"{expect}, got {arr.dtype} values")
    if sym.dtype.is_int:
        lo, hi = (-128, 127) if sym.dtype is DType.INT8 else (-(1 << 31), (1 << 31) - 1)
        if arr.size and (int(arr.min()) < lo or int(arr.max()) > hi):
            raise TnccError(f"input `{sym.name}` is {sym.dtype.value} but holds values outside {lo}..{hi}")
    return arr


def random_value(sym: Symbol, seed: int) -> np.ndarray:
    """A seeded random value for ``sym`` (see the module doc)."""
    seed = check_seed(seed)

    rng = np.random.default_rng([seed, zlib.crc32(sym.name.encode())])
    if sym.dtype.is_int:
        return rng.integers(INT_RANGE[0], INT_RANGE[1] + 1, size=sym.shape, dtype=np.int64)
    return rng.standard_normal(sym.shape).astype(np.float32)


def bind_inputs(program: Program, dram: Memory, inputs: Mapping[str, np.ndarray] | None, seed: int) -> None:
    """Write every input symbol into ``dram``; unknown names are an error."""
    given = dict(inputs or {})
    names = {s.name for s in program.symbols if s.role in INPUT_ROLES}
    unknown = sorted(set(given) - names)
    if unknown:
        raise TnccError(f"no input named `{unknown[0]}` (the program's inputs: {', '.join(sorted(names)) or 'none'})")
    for sym in program.symbols:
        if sym.role is SymbolRole.ONES:
            dram.write_affine(sym.dram, _dims(sym), np.ones(sym.shape, dtype=numpy_type(sym.dtype)),
                              f"constant `{sym.name}`")
            continue
        if sym.role is SymbolRole.DELTA:
            if len(set(sym.shape)) > 1:
                raise TnccError(f"constant `{sym.name}` has shape {sym.shape}; a delta needs equal extents")
            dram.write_affine(sym.dram, _dims(sym), delta(sym.shape, numpy_type(sym.dtype)), f"constant `{sym.name}`")
            continue
        if sym.role not in INPUT_ROLES:
            continue
        if math.prod(sym.shape) > ACCESS_LIMIT:
            raise TnccError(f"input `{sym.name}` has {math.prod(sym.shape)} elements, more than the emulator "
                            f"binds ({ACCESS_LIMIT})")
        value = _check(sym, given[sym.name]) if sym.name in given else random_value(sym, seed)
        dram.write_affine(sym.dram, _dims(sym), round_to(value, sym.dtype), f"input `{sym.name}`")


def read_outputs(program: Program, dram: Memory) -> dict[str, np.ndarray]:
    """Every output symbol's value, in the numpy type of its element type."""
    out: dict[str, np.ndarray] = {}
    for sym in program.symbols:
        if sym.role is SymbolRole.OUTPUT:
            vals = dram.read_affine(sym.dram, _dims(sym), f"output `{sym.name}`")
            out[sym.name] = round_to(vals, sym.dtype).astype(numpy_type(sym.dtype))
    return out
