"""The distribution and reduction networks: routing and realisation.

**Benes network** on ``N = 2^L`` ports: ``2L - 1`` stages of ``N/2`` 2x2
switches.  Recursively, Benes(N) is an input stage, two Benes(N/2)
sub-networks (upper, lower) and an output stage.  Input switch ``i`` takes
positions ``2i, 2i+1`` and, straight, sends ``2i`` to the upper and ``2i+1``
to the lower sub-network's input ``i`` (crossed swaps them); output switch
``j`` takes the sub-networks' outputs ``j`` (upper on its first input) and,
straight, delivers upper to ``2j`` and lower to ``2j+1``.

Flattened, the wire vector between stages is split into blocks: at depth
``d`` (stage ``d`` on the input side, stage ``2L-2-d`` on the output side)
there are ``2^d`` blocks of ``N >> d`` positions, the upper sub-network
first.  Between an input-side stage and the next, each block is
*unshuffled* (switch outputs ``(i, 0)`` -> ``i``, ``(i, 1)`` -> ``S/2 + i``);
on the output side each block is *shuffled* back.

**Bit order** (the switch words the ISA carries): bit ``s * N/2 + w`` is
switch ``w`` of stage ``s`` (stage 0 nearest the network inputs, switch
``w`` acting on wire positions ``2w, 2w+1``); 1 means crossed.  The copy
stage has ``N - 1`` bits: bit ``i - 1`` set means position ``i`` takes the
value of position ``i - 1`` (after that position has taken its own), so runs
fill with their first value.  Bits are packed by
:func:`tncc.isa.program.pack_bits`.

**Mappings.**  A network's behaviour is a *port -> slot* array: ``m[p]`` is
the input slot whose value output port ``p`` receives.  :func:`realize`
computes it by simulating the switches stage by stage; routing
(:func:`route_benes`, :func:`route_multicast`) uses the looping algorithm
(Waksman 1968; Opferman and Tsao-Wu 1971).

**Reduction network**: a grouping of consecutive lanes (:class:`RedConfig`);
:func:`reduce` sums each group.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np

from tncc.errors import TnccError
from tncc.isa.program import RedConfig, SwitchConfig, benes_switches, copy_switches, pack_bits

__all__ = [
    "route_benes", "benes_bits", "realize_benes", "route_multicast", "route_permutation", "realize", "red_config", "reduce",
    "RedConfig", "SwitchConfig",
]


def _levels(n: int) -> int:
    if n < 2 or n & (n - 1):
        raise TnccError(f"a Benes network needs a power-of-two port count >= 2, got {n}")
    return n.bit_length() - 1


# ---------------------------------------------------------------- Benes routing

def route_benes(src: Sequence[int]) -> np.ndarray:
    """Switch settings (``(2L-1, N/2)`` array of 0/1, 1 = crossed) that make
    output port ``p`` receive input slot ``src[p]``; ``src`` must be a
    permutation of ``range(N)``.  Looping algorithm, ``O(N log N)``."""
    s = [int(v) for v in src]
    n = len(s)
    _levels(n)
    if sorted(s) != list(range(n)):
        raise TnccError(f"Benes routing needs a permutation of 0..{n - 1}")
    return np.array(_route(s), dtype=np.uint8)


def _route(src: list[int]) -> list[list[int]]:
    n = len(src)
    if n == 2:
        return [[1 if src[0] == 1 else 0]]
    half = n // 2
    dst = [0] * n
    for p, v in enumerate(src):
        dst[v] = p
    in_sw = [0] * half
    out_sw: list[int | None] = [None] * half
    sub = ([0] * half, [0] * half)  # sub[v][j]: input switch feeding sub-network v's output j
    for j0 in range(half):
        if out_sw[j0] is not None:
            continue
        p, via = 2 * j0, 0  # open a loop: output 2*j0 through the upper network
        while True:
            j = p // 2
            out_sw[j] = (p & 1) ^ via
            s0 = src[p]
            in_sw[s0 // 2] = (s0 & 1) ^ via
            sub[via][j] = s0 // 2
            other = src[p ^ 1]  # the switch's other output goes through the other network
            in_sw[other // 2] = (other & 1) ^ (1 - via)
            sub[1 - via][j] = other // 2
            p = dst[other ^ 1]  # that input's sibling must go through `via`
            if out_sw[p // 2] is not None:
                break  # the loop closed
    upper, lower = _route(sub[0]), _route(sub[1])
    middle = [u + w for u, w in zip(upper, lower)]
    settled = [v for v in out_sw if v is not None]
    if len(settled) != half:  # the loops cover every switch of a permutation
        raise TnccError(f"Benes routing left {half - len(settled)} output switches unset")
    return [in_sw] + middle + [settled]


@lru_cache(maxsize=32)
def _wiring(n: int) -> tuple[np.ndarray, ...]:
    """Gather index applied after each stage but the last (``new = old[w]``)."""
    levels = _levels(n)
    out: list[np.ndarray] = []
    k = np.arange(n)
    for d in range(levels - 1):  # after input-side stage at depth d: unshuffle blocks of S
        size = n >> d
        q, base = k % size, k - k % size
        h = size // 2
        out.append(base + np.where(q < h, 2 * q, 2 * (q - h) + 1))
    for d in range(levels - 2, -1, -1):  # before output-side stage at depth d: shuffle
        size = n >> d
        q, base = k % size, k - k % size
        out.append(base + (q & 1) * (size // 2) + q // 2)
    return tuple(out)


def realize_benes(bits: np.ndarray) -> np.ndarray:
    """Port -> slot mapping of one Benes network with switch settings ``bits``
    (shape ``(2L-1, N/2)``), by simulating its stages."""
    stages, half = bits.shape
    n = 2 * half
    if stages != 2 * _levels(n) - 1:
        raise TnccError(f"a {n}-port Benes network has {2 * _levels(n) - 1} stages, got {stages}")
    wires = _wiring(n)
    x = np.arange(n)
    for s in range(stages):
        pairs = x.reshape(half, 2)
        x = np.where(bits[s].astype(bool)[:, None], pairs[:, ::-1], pairs).reshape(n)
        if s < stages - 1:
            x = x[wires[s]]
    return x


def benes_bits(data: bytes, ports: int) -> np.ndarray:
    """Unpack a packed Benes switch word into its ``(2L-1, N/2)`` settings."""
    count = benes_switches(ports)
    flat = np.unpackbits(np.frombuffer(data, dtype=np.uint8), bitorder="little")[:count]
    return flat.reshape(2 * _levels(ports) - 1, ports // 2)


def _copy_fill(copy: np.ndarray) -> np.ndarray:
    """Index of the value each position holds after the copy stage."""
    n = copy.size + 1
    idx = np.arange(n)
    take_left = np.concatenate(([False], copy.astype(bool)))
    return np.maximum.accumulate(np.where(take_left, 0, idx))


# ---------------------------------------------------------------- multicast

def route_multicast(src: Sequence[int], ports: int) -> SwitchConfig:
    """Benes-copy-Benes configuration in which port ``p`` receives slot
    ``src[p]`` (``-1``: don't care).  Distinct sources, in ascending order,
    get runs of consecutive positions as long as their fan-out; the first
    Benes puts each source at the head of its run, the copy stage fills the
    runs, the second Benes sends run members to their ports."""
    _levels(ports)
    s = [int(v) for v in src]
    if len(s) != ports:
        raise TnccError(f"multicast route needs {ports} entries, got {len(s)}")
    for p, v in enumerate(s):
        if not -1 <= v < ports:
            raise TnccError(f"port {p} asks for slot {v}, outside -1..{ports - 1}")
    fan: dict[int, list[int]] = {}
    for p, v in enumerate(s):
        if v >= 0:
            fan.setdefault(v, []).append(p)
    first = [-1] * ports  # first Benes: position -> slot
    second = [-1] * ports  # second Benes: port -> position
    copy = [0] * (ports - 1)
    pos = 0
    for slot in sorted(fan):
        first[pos] = slot
        for r, p in enumerate(fan[slot]):
            second[p] = pos + r
            if r:
                copy[pos + r - 1] = 1
        pos += len(fan[slot])
    _complete(first, ports)
    _complete(second, ports)
    b1, b2 = _route(first), _route(second)
    return SwitchConfig(
        ports=ports,
        benes1=pack_bits(v for row in b1 for v in row),
        copy=pack_bits(copy),
        benes2=pack_bits(v for row in b2 for v in row),
    )


def _complete(mapping: list[int], n: int) -> None:
    """Fill the ``-1`` entries with the unused values, in order (a permutation)."""
    free = iter(sorted(set(range(n)) - set(mapping)))
    for i, v in enumerate(mapping):
        if v < 0:
            mapping[i] = next(free)


def route_permutation(src: Sequence[int]) -> SwitchConfig:
    """Configuration realising the permutation ``src`` (no multicast)."""
    return route_multicast(src, len(src))


@lru_cache(maxsize=4096)
def realize(cfg: SwitchConfig) -> np.ndarray:
    """Port -> slot mapping the switch bits of ``cfg`` produce (read-only
    array), simulating Benes, copy stage and Benes stage by stage."""
    n = cfg.ports
    first = realize_benes(benes_bits(cfg.benes1, n))
    copy = np.unpackbits(np.frombuffer(cfg.copy, dtype=np.uint8), bitorder="little")[: copy_switches(n)]
    filled = first[_copy_fill(copy)]
    out = filled[realize_benes(benes_bits(cfg.benes2, n))]
    out.setflags(write=False)
    return out


# ---------------------------------------------------------------- reduction

def red_config(groups: Sequence[int]) -> RedConfig:
    """A reduction grouping from group sizes over consecutive lanes."""
    return RedConfig(tuple(int(g) for g in groups))


def reduce(cfg: RedConfig, lane_values: np.ndarray) -> np.ndarray:
    """Sum ``lane_values`` (last axis: lanes) over each group of ``cfg``; lanes
    beyond the groups are unused.  Returns one value per group (last axis)."""
    lanes = lane_values.shape[-1]
    total = sum(cfg.groups)
    if total > lanes:
        raise TnccError(f"reduction groups cover {total} lanes but only {lanes} are present")
    starts = np.concatenate(([0], np.cumsum(cfg.groups)[:-1]))
    return np.add.reduceat(lane_values[..., :total], starts, axis=-1)
