"""Bank-conflict-aware layouts for tensors that stay in the buffer (fetta).

A beat needs as many passes as the most distinct addresses its ports put in
one bank (``docs/machine.md``, "Bank conflicts"); a drain likewise.  The
passes depend on the stored strides, and a tensor is read and written by
several tiles with different port patterns, so the row pitches are chosen
per tensor against all of them:

* memory planning reserves, for every pitch, its slack beyond the natural
  row length (``layout.slacks``: 8 words, up to one bank row for long rows,
  at most a 32nd of the row), so any choice below fits the allocation;
* :func:`tune_layouts` then picks each pitch's padding ``0 <= delta <
  slack`` by coordinate descent (innermost pitch first, two sweeps),
  minimising ``sum over uses of weight * passes`` where a use is one tile
  reading the tensor as A or B (weight: beats x loop points) or draining
  into it (weight: drain cycles x loop points).

The descent starts from the compact layout (padding is kept only where it
removes conflicts, so DMA descriptors still merge dims elsewhere) and tries
every padding of every pitch, so it never does worse than compact.
"""

from __future__ import annotations

import dataclasses
import math
from functools import lru_cache
from typing import Any

import numpy as np

from tncc.isa import timing
from tncc.isa.arch import Arch
from tncc.passes.layout import Layout, layout_with, padded_pitch, slacks
from tncc.passes.memory_ir import MemoryPlan
from tncc.passes.tile import port_hint, retile_block, tile_block_fetta, tiles_for
from tncc.passes.tiled_ir import (OPERAND_SLOTS, ROLE_GROUP, SLOT_A, SLOT_B, SLOT_RESULT, Block, Group, IndexInfo, Tile,
                                  TiledProgram, TiledStep, verify_tiled_step)

SMALL = 16  # a tensor of at most 1/SMALL of the buffer may take the wide paddings

NO_AXIS = -1  # a dim along none of a tensor's stored axes (stride 0: its ports read the same words)


def room(shape: tuple[int, ...], banks: int, buffer_words: int | None = None) -> tuple[int, ...]:
    """Paddings a buffer tensor's pitches may take: the slack of
    ``layout.slacks``, or, for a tensor small next to the buffer
    (``buffer_words``), the wide room of :func:`wide_room` (its worst case
    at most doubles the tensor's few words; the common TT-core patterns,
    rows of 30 words read 4 rows at a time, need ~60%)."""
    if buffer_words is not None and SMALL * math.prod(shape) <= buffer_words:
        return wide_room(shape, banks)
    return slacks(shape, banks)


def reserve(shape: tuple[int, ...], banks: int = 64, buffer_words: int | None = None) -> Layout:
    """The allocation-time layout: every pitch padded by its largest room."""
    return layout_with(shape, tuple(s - 1 for s in room(shape, banks, buffer_words)))


def _odd_deltas(shape: tuple[int, ...], banks: int) -> tuple[int, ...]:
    """The deltas of the plain odd-pitch rule (``layout.banked``)."""
    r = len(shape)
    deltas = [0] * max(0, r - 1)
    acc = 1
    for k in range(r - 2, -1, -1):
        natural = acc * shape[k + 1]
        pitch = padded_pitch(natural, banks) if shape[k] > 1 else natural
        deltas[k] = pitch - natural
        acc = pitch
    return tuple(deltas)


def _offsets(dims: list[tuple[int, int]]) -> np.ndarray:
    off = np.zeros(1, dtype=np.int64)
    for ext, stride in dims:
        off = (off[:, None] + np.arange(ext, dtype=np.int64)[None, :] * stride).ravel()
    return off


class _Use:
    """One tile's access pattern to a tensor: per-port (or per-drain-word)
    index dims as ``(extent, axis)`` (axis ``NO_AXIS``: stride 0), and a weight."""

    __slots__ = ("dims", "weight", "drain")

    def __init__(self, dims: list[tuple[int, int]], weight: int, drain: bool) -> None:
        self.dims, self.weight, self.drain = dims, weight, drain

    def cost(self, strides: tuple[int, ...], banks: int, rports: int) -> float:
        # A stored layout is injective, so distinct index points are distinct
        # words and the passes depend only on the strides modulo the banks
        # (ports on a stride-0 axis read the same words: that axis adds none).
        if self.drain:
            dims = tuple((e, strides[a] % banks if a != NO_AXIS else 0) for e, a in self.dims)
        else:
            dims = tuple((e, strides[a] % banks) for e, a in self.dims if a != NO_AXIS and e > 1)
        key = (dims, self.drain, banks, rports)
        passes = _PASSES.get(key)
        if passes is None:
            passes = _PASSES[key] = _passes(dims, self.drain, banks, rports)
        return self.weight * passes


# Conflict passes per (dims with strides modulo the banks, drain, banks, red
# ports): the tuner evaluates the same patterns for many candidate layouts.
_PASSES: dict[tuple, int] = {}


def _passes(dims: tuple[tuple[int, int], ...], drain: bool, banks: int, rports: int) -> int:
    """Passes of the distinct words ``dims`` enumerate (strides given modulo
    ``banks``): the most words one bank holds, per chunk of ``rports``
    drained words for a drain."""
    bank = _offsets(list(dims)) % banks
    if not drain:
        return int(np.bincount(bank, minlength=1).max()) if bank.size else 1
    return max(int(np.bincount(bank[s:s + rports]).max()) for s in range(0, bank.size, rports))


_PORT_GROUPS = {SLOT_A: (Group.B, Group.M, Group.K), SLOT_B: (Group.B, Group.N, Group.K),
                SLOT_RESULT: (Group.B, Group.M, Group.N)}  # the groups spread over each tensor's ports or drain


def _tile_dims(infos: dict[str, Any], indices: tuple[str, ...], k: int, tile: Any) -> list[tuple[int, int]]:
    """Tensor ``k``'s port (A, B) or drain (C) pattern in ``tile`` as
    ``(extent, axis)`` dims over its stored axes (``NO_AXIS``: not one of them)."""
    return _dims_in(_port_ranks(infos, indices, k), tile)


def _port_ranks(infos: dict[str, Any], indices: tuple[str, ...], k: int) -> tuple[int, dict[str, int], dict[str, int]]:
    """What :func:`_tile_dims` needs of a step for tensor ``k``: the number of
    port groups, each index's rank among them (an index of a group the
    tensor's ports do not spread ranks past them) and stored axis."""
    groups = _PORT_GROUPS[k]
    rank = {name: groups.index(ROLE_GROUP[ix.role]) if ROLE_GROUP[ix.role] in groups else len(groups)
            for name, ix in infos.items()}
    return len(groups), rank, {name: a for a, name in enumerate(indices)}


def _dims_in(ranks: tuple[int, dict[str, int], dict[str, int]], tile: Any) -> list[tuple[int, int]]:
    n, rank, axis = ranks
    return [(ax.extent, axis.get(ax.index, NO_AXIS)) for g in range(n) for ax in tile.axes
            if rank[ax.index] == g and ax.extent > 1]


def step_uses(ts: TiledStep, k: int, red_ports: int, shape: tuple[int, ...] | None = None) -> list[_Use]:
    """The uses of tensor ``k`` (0: A, 1: B, 2: the result) by the tiles of
    one tiled step, with dims given by the tensor's axes; with ``shape``,
    only by the blocks whose box of the tensor has that shape (a staging
    slot holds one block's box, so each box shape gets its own layout)."""
    step = ts.step
    infos = {ix.name: ix for ix in ts.indices}
    indices = step.indices if k == SLOT_RESULT else step.operands[k].indices
    ranks = _port_ranks(infos, indices, k)
    out = []
    for block in ts.blocks:
        if shape is not None and tuple(block.extent(i) for i in indices) != shape:
            continue
        for tile in block.tiles:
            words = tile.tb * tile.tm * tile.tn
            weight = tile.count * (tile.beats if k != SLOT_RESULT else -(-words // red_ports))
            out.append(_Use(_dims_in(ranks, tile), weight, k == SLOT_RESULT))
    return out


def retile(tiled: TiledProgram, mem: MemoryPlan, arch: Arch) -> TiledProgram:
    """Blocks whose tiles meet bank conflicts on resident tensors, under the
    layouts now chosen, get the legal tiling that is cheapest with those
    conflicts counted (``passes.tile.retile_block``); tiling itself cannot
    see layouts, which are tuned for its tiles afterwards."""
    places = {p.value: p for p in mem.placements}
    steps = []
    for ts in tiled.steps:
        step = ts.step
        tensors = [(op.value, op.indices) for op in step.operands] + [(None, ())] * (OPERAND_SLOTS - len(step.operands)) \
            + [(step.result, step.indices)]
        fixed = tuple((k, ixs, places[v].buffer_copy()[1].strides) for k, (v, ixs) in enumerate(tensors)
                      if v is not None and places[v].resident and len(ixs) > 1)
        if not fixed:
            steps.append(ts)
            continue
        hint = tuple(sorted(port_hint(step).items()))
        blocks = []
        for block in ts.blocks:
            entries = tuple((ix.name, ix.role, e) for ix, (_, _, e) in zip(ts.indices, block.box))
            choice = _retile_choice(arch, entries, hint, fixed)
            blocks.append(block if choice is None else
                          dataclasses.replace(block, tiles=tiles_for(ts.indices, block, dict(choice))))
        if all(a is b for a, b in zip(blocks, ts.blocks)):
            steps.append(ts)
            continue
        new = dataclasses.replace(ts, blocks=tuple(blocks))
        verify_tiled_step(new, max_points=1 << 16)
        steps.append(new)
    return dataclasses.replace(tiled, steps=tuple(steps))


@lru_cache(maxsize=4096)
def _retile_choice(arch: Arch, entries: tuple, hint: tuple, fixed: tuple) -> tuple | None:
    """:func:`retile` for one block shape ``entries`` ``(index, role,
    extent)`` with the resident tensors ``fixed`` ``(k, indices, strides)``:
    the better in-tile extents, or None to keep the tiling's choice."""
    banks, rports = arch.buffer.banks, arch.red.ports
    infos = tuple(IndexInfo(n, e, r, True, True) for n, r, e in entries)
    by_name = {ix.name: ix for ix in infos}
    box = tuple((n, 0, e) for n, _, e in entries)

    def passes(tile: Tile) -> tuple[int, int, int]:
        out = [1, 1, 1]
        for k, ixs, strides in fixed:
            out[k] = int(_Use(_tile_dims(by_name, ixs, k, tile), 1, k == SLOT_RESULT).cost(strides, banks, rports))
        return out[0], out[1], out[2]

    block = Block(box, tile_block_fetta(arch, infos, box, False, dict(hint)))
    if all(p == 1 for t in block.tiles for p in passes(t)):
        return None
    choice = retile_block(arch, infos, block, dict(hint), passes)
    return None if choice is None else tuple(sorted(choice.items()))


def _uses(tiled: TiledProgram, resident: set[str], red_ports: int) -> dict[str, list[_Use]]:
    out: dict[str, list[_Use]] = {}
    for ts in tiled.steps:
        step = ts.step
        values = [op.value for op in step.operands] + [None] * (OPERAND_SLOTS - len(step.operands)) + [step.result]
        for k, value in enumerate(values):
            if value is not None and value in resident:
                out.setdefault(value, []).extend(step_uses(ts, k, red_ports))
    return out


def _merge(uses: list[_Use]) -> list[_Use]:
    """One use per distinct access pattern, weights summed."""
    acc: dict[tuple, int] = {}
    for u in uses:
        key = (tuple(u.dims), u.drain)
        acc[key] = acc.get(key, 0) + u.weight
    return [_Use(list(d), w, dr) for (d, dr), w in acc.items()]


def tune_deltas(shape: tuple[int, ...], uses: list[_Use], banks: int, rports: int,
                room: tuple[int, ...] | None = None) -> tuple[int, ...]:
    """Pitch paddings (each below its slack, or below ``room`` when given)
    minimising the weighted passes of ``uses``: coordinate descent from the
    compact layout, then pair moves while the cost is above its lower bound."""
    merged = tuple(sorted((tuple(u.dims), u.drain, u.weight) for u in _merge(uses)))
    return _tune_cached(tuple(shape), merged, banks, rports, None if room is None else tuple(room))


def wide_room(shape: tuple[int, ...], banks: int) -> tuple[int, ...]:
    """Paddings a staging slot may take when the staging area has room to
    spare: up to a whole bank row per pitch (every bank residue reachable),
    at most the natural row length (the slot at most doubles per pitch)."""
    return tuple(min(banks, max(s, math.prod(shape[k + 1:]))) for k, s in enumerate(slacks(shape, banks)))


def weighted_passes(shape: tuple[int, ...], deltas: tuple[int, ...], uses: list[_Use], banks: int,
                    rports: int) -> tuple[float, float]:
    """(weighted passes of ``uses`` on ``layout_with(shape, deltas)``, their lower bound)."""
    st = layout_with(shape, deltas).strides
    return (sum(u.cost(st, banks, rports) for u in uses), sum(_floor(u, banks, rports) for u in uses))


def _floor(u: _Use, banks: int, rports: int) -> float:
    """A lower bound on a use's weighted passes: its distinct words spread
    evenly over the banks (a drain in chunks of ``rports`` words)."""
    n = 1
    for e, a in u.dims:
        if a != NO_AXIS:
            n *= e
    if u.drain:
        return u.weight * -(-min(n, rports) // banks)
    return u.weight * -(-n // banks)


PAIR_EVALS = 4096  # layouts a pair-move phase may try per tensor


def _row_costs(shape: tuple[int, ...], deltas: tuple[int, ...], k: int, n: int, uses: list[_Use], banks: int,
               rports: int) -> np.ndarray:
    """Weighted passes of ``uses`` for each padding ``0 <= d < n`` of pitch
    ``k`` (the others as in ``deltas``), all at once: every stride is affine
    in one padding, so each port's bank is ``(p + q * d) mod banks``."""
    lo = list(deltas)
    lo[k] = 0
    s0 = layout_with(shape, tuple(lo)).strides
    lo[k] = 1
    m = [b - a for a, b in zip(s0, layout_with(shape, tuple(lo)).strides)]
    d = np.arange(n, dtype=np.int64)[:, None]
    total = np.zeros(n, dtype=np.float64)
    for u in uses:
        dims = [(e, a) for e, a in u.dims if u.drain or (a != NO_AXIS and e > 1)]
        p = _offsets([(e, s0[a] % banks if a != NO_AXIS else 0) for e, a in dims])
        q = _offsets([(e, m[a] % banks if a != NO_AXIS else 0) for e, a in dims])
        bank = (p[None, :] + q[None, :] * d) % banks
        ports = bank.shape[1]
        chunks = -(-ports // rports) if u.drain else 1
        group = (np.arange(ports) // rports) if u.drain else np.zeros(ports, dtype=np.int64)
        key = ((np.arange(n)[:, None] * chunks + group[None, :]) * banks + bank).ravel()
        counts = np.bincount(key, minlength=n * chunks * banks).reshape(n, chunks, banks)
        total += u.weight * counts.max(axis=2).max(axis=1)
    return total


@lru_cache(maxsize=4096)
def _tune_cached(shape: tuple[int, ...], merged: tuple, banks: int, rports: int,
                 room: tuple[int, ...] | None) -> tuple[int, ...]:
    """:func:`tune_deltas` for merged uses ``(dims, drain, weight)`` (steps
    with the same tiles on the same shape repeat).  Each move tries every
    padding of one pitch at once (:func:`_row_costs`)."""
    uses = [_Use(list(d), w, dr) for d, dr, w in merged]

    def cost(d: tuple[int, ...]) -> float:
        st = layout_with(shape, d).strides
        return sum(u.cost(st, banks, rports) for u in uses)

    if room is None:
        room = slacks(shape, banks)
    if not uses or len(shape) < 2:
        return tuple(min(x, r - 1) for x, r in zip(_odd_deltas(shape, banks), room))
    # Start compact: padding stays only where it removes conflicts, so DMA
    # descriptors keep merging neighbouring dims elsewhere.
    best = (0,) * len(room)
    best_cost = cost(best)
    floor = sum(_floor(u, banks, rports) for u in uses)
    if best_cost <= floor:
        return best

    def move(base: tuple[int, ...], k: int) -> None:
        """The best padding of pitch ``k`` from ``base``, if it beats the best."""
        nonlocal best, best_cost
        row = _row_costs(shape, base, k, room[k], uses, banks, rports)
        i = int(np.argmin(row))
        if row[i] < best_cost:
            best, best_cost = base[:k] + (i,) + base[k + 1:], float(row[i])

    # Pitch k sets the strides of axes 0..k: it matters only if a use walks
    # one of them.
    used = min((a for u in uses for e, a in u.dims if a != NO_AXIS and e > 1), default=len(shape))
    live = [k for k in range(len(best) - 1, -1, -1) if shape[k] > 1 and k >= used]
    for _ in range(2):
        start = best
        for k in live:
            move(best, k)
            if best_cost <= floor:
                return best
        if best == start:
            break
    # Pair moves: a conflict-free layout can need two pitches to change
    # together (an inner pitch that makes one port pattern periodic, an outer
    # one that shifts another into the free banks); single moves stall there.
    pairs = [(i, j) for n, i in enumerate(live) for j in live[n + 1:]]
    budget = PAIR_EVALS
    for i, j in pairs:
        if best_cost <= floor or room[i] * room[j] > budget:
            continue
        budget -= room[i] * room[j]
        for di in range(room[i]):
            move(best[:i] + (di,) + best[i + 1:], j)
            if best_cost <= floor:
                return best
    return best


def tune_layouts(tiled: TiledProgram, mem: MemoryPlan, arch: Arch) -> MemoryPlan:
    """``mem`` with the layouts of resident tensors tuned (module doc)."""
    banks, rports = arch.buffer.banks, arch.red.ports
    resident = {p.value for p in mem.placements if p.resident}
    uses = _uses(tiled, resident, rports)
    places = []
    for p in mem.placements:
        if not p.resident or p.value not in uses or len(p.buffer_copy()[1].shape) < 2:
            places.append(p)
            continue
        reserved = p.buffer_copy()[1]
        r = room(reserved.shape, banks, timing.buffer_words(arch) if p.value in mem.wide else None)
        lay = layout_with(reserved.shape, tune_deltas(reserved.shape, uses[p.value], banks, rports, r))
        if lay.words > reserved.words:
            # Only a pinned reservation (a layout tuned for other uses) is
            # smaller than the room: it keeps that layout.
            assert p.value in mem.pinned, "tuned layout outgrew its reservation"
            lay = reserved
        places.append(dataclasses.replace(p, layout=lay))
    return dataclasses.replace(mem, placements=tuple(places))


def wide_candidates(tiled: TiledProgram, mem: MemoryPlan, arch: Arch) -> dict[str, float]:
    """Small resident tensors (``room``) whose bank conflicts remain under
    the slack and shrink with the wide paddings: name -> weighted passes saved."""
    banks, rports = arch.buffer.banks, arch.red.ports
    limit = timing.buffer_words(arch)
    resident = {p.value: p for p in mem.placements if p.resident}
    out: dict[str, float] = {}
    for name, us in _uses(tiled, set(resident), rports).items():
        shape = resident[name].buffer_copy()[1].shape
        if len(shape) < 2 or room(shape, banks, limit) == slacks(shape, banks):
            continue
        d = tune_deltas(shape, us, banks, rports)
        c, floor = weighted_passes(shape, d, us, banks, rports)
        if c > floor:
            dw = tune_deltas(shape, us, banks, rports, wide_room(shape, banks))
            cw = weighted_passes(shape, dw, us, banks, rports)[0]
            if cw < c:
                out[name] = c - cw
    return out


def total_passes(tiled: TiledProgram, mem: MemoryPlan, arch: Arch) -> float:
    """Weighted conflict passes of every resident tensor's uses (for tests and reports)."""
    resident = {p.value: p for p in mem.placements if p.resident}
    uses = _uses(tiled, set(resident), arch.red.ports)
    return sum(u.cost(resident[v].buffer_copy()[1].strides, arch.buffer.banks, arch.red.ports)
               for v, us in uses.items() for u in us)


