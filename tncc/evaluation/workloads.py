"""Generators of the ``.tn`` programs of the workload families tncc exists for
(tensorized layers in training, tensor-compressed transformer blocks,
int8 zeroth-order training, separable operator learning), parameterised by
rank, token count and shape, so sweeps are made in code.

Each generator returns ``.tn`` source text (one network); load it with
``tncc.load_source`` or write it to a file.  Shapes follow the published
work (sources in each docstring); where a paper gives no number the default
is ours and says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

# BERT-style tensor-train shapes of FETTA's layers (768 = 12*8*8, 3072 = 12*16*16):
# (input modes, output modes, boundary-adjacent ranks) per layer kind.
TT_LAYERS: dict[str, tuple[tuple[int, ...], tuple[int, ...], tuple[int, int]]] = {
    "attention": ((12, 8, 8), (8, 8, 12), (12, 12)),
    "ffn_up": ((12, 8, 8), (12, 16, 16), (12, 16)),
    "ffn_down": ((16, 16, 12), (8, 8, 12), (16, 12)),
}

# TTM embedding table: rows 16*20*10*10 = 32000, columns 4*4*8*6 = 768, ranks 1,32,32,32,1.
TTM_EMBEDDING = ((16, 20, 10, 10), (4, 4, 8, 6), (1, 32, 32, 32, 1))


def _line(*parts: str) -> str:
    return "  " + " ".join(parts)


def tt_ranks(layer: str, r: int) -> tuple[int, ...]:
    """``1, a, r, r, r, b, 1`` for a 6-core layer (``a``, ``b`` from :data:`TT_LAYERS`)."""
    ins, outs, (a, b) = TT_LAYERS[layer]
    d = len(ins) + len(outs)
    return (1, a) + (r,) * (d - 3) + (b, 1)


def _tt_body(prefix: str, ins: Sequence[int], outs: Sequence[int], ranks: Sequence[int], tokens_index: str,
             x: str, grad: bool) -> list[str]:
    """Index declarations, cores, the forward statement and (optionally) the
    ``grad`` line of one TT linear layer.  Core ``k`` is ``G_k[r_{k-1}, n_k,
    r_k]``; boundary ranks of size 1 are left out of the core's indices."""
    d_in, d_out = len(ins), len(outs)
    modes = [f"{prefix}i{k + 1}" for k in range(d_in)] + [f"{prefix}o{k + 1}" for k in range(d_out)]
    sizes = list(ins) + list(outs)
    if len(ranks) != len(sizes) + 1 or ranks[0] != 1 or ranks[-1] != 1:
        raise ValueError(f"a TT layer with {len(sizes)} cores needs {len(sizes) + 1} ranks starting and ending at 1")
    rank_names = [f"{prefix}r{k}" for k in range(len(ranks))]
    lines = [_line("index", ", ".join(f"{m} = {s}" for m, s in zip(modes, sizes)))]
    inner = [f"{rank_names[k]} = {ranks[k]}" for k in range(1, len(ranks) - 1)]
    lines.append(_line("index", ", ".join(inner)))
    cores = []
    for k, mode in enumerate(modes):
        ix = ([rank_names[k]] if ranks[k] > 1 else []) + [mode] + ([rank_names[k + 1]] if ranks[k + 1] > 1 else [])
        name = f"{prefix}g{k + 1}"
        cores.append(name)
        lines.append(_line("param", f"{name}[{', '.join(ix)}]"))
    y = f"{prefix}y"
    ins_ix = ", ".join([tokens_index] + modes[:d_in])
    outs_ix = ", ".join([tokens_index] + modes[d_in:])
    lines.append(_line("input", f"{x}[{ins_ix}]"))
    lines.append(_line(f"{y}[{outs_ix}] =", " * ".join([f"{x}[{ins_ix}]"] + cores)))
    lines.append(_line("output", y))
    if grad:
        lines.append(_line("grad", y, "wrt", ", ".join([x] + cores)))
    return lines


def tt_linear(layer: str = "attention", r: int = 30, tokens: int = 128, *, grad: bool = True,
              dtype: str = "fp32", name: str | None = None) -> str:
    """One TT linear layer of FETTA's BERT shapes (``layer`` in
    :data:`TT_LAYERS`) at rank ``r`` over ``tokens`` tokens; with ``grad`` the
    whole training step (forward, input gradient, one gradient per core)."""
    ins, outs, _ = TT_LAYERS[layer]
    name = name or f"tt_{layer}_r{r}_t{tokens}"
    lines = [f"# TT {layer} layer ({math.prod(ins)} -> {math.prod(outs)}), rank {r}, {tokens} tokens",
             f"network {name} {{", _line("dtype", dtype), _line("index", f"t = {tokens}")]
    lines += _tt_body("", ins, outs, tt_ranks(layer, r), "t", "x", grad)
    lines.append("}")
    return "\n".join(lines) + "\n"


def ttm_embedding(tokens: int = 1, *, grad: bool = True, name: str = "ttm_embedding") -> str:
    """The TTM embedding table (32000 x 768, ranks 1,32,32,32,1) applied to
    ``tokens`` one-hot rows: ``y[t, n] = x[t, m] * H1 * H2 * H3 * H4`` with
    ``H_k[r_{k-1}, m_k, n_k, r_k]``; with ``grad`` the core gradients (the
    one-hot input is data, not differentiated)."""
    rows, cols, ranks = TTM_EMBEDDING
    d = len(rows)
    lines = [f"# TTM embedding {math.prod(rows)} x {math.prod(cols)}, ranks {','.join(map(str, ranks))}",
             f"network {name} {{", _line("index", f"t = {tokens}"),
             _line("index", ", ".join(f"m{k + 1} = {s}" for k, s in enumerate(rows))),
             _line("index", ", ".join(f"n{k + 1} = {s}" for k, s in enumerate(cols))),
             _line("index", ", ".join(f"r{k} = {ranks[k]}" for k in range(1, d)))]
    cores = []
    for k in range(d):
        ix = ([f"r{k}"] if ranks[k] > 1 else []) + [f"m{k + 1}", f"n{k + 1}"] + ([f"r{k + 1}"] if ranks[k + 1] > 1 else [])
        cores.append(f"h{k + 1}")
        lines.append(_line("param", f"h{k + 1}[{', '.join(ix)}]"))
    lines.append(_line("input", f"x[t, {', '.join(f'm{k + 1}' for k in range(d))}]"))
    lines.append(_line(f"y[t, {', '.join(f'n{k + 1}' for k in range(d))}] =", " * ".join(["x"] + cores)))
    lines.append(_line("output", "y"))
    if grad:
        lines.append(_line("grad", "y", "wrt", ", ".join(cores)))
    lines.append("}")
    return "\n".join(lines) + "\n"


# The tensorized linear layers of one encoder block: Q, K, V and O
# projections and the two feed-forward layers.
ENCODER_LAYERS = (("q_", "attention"), ("k_", "attention"), ("v_", "attention"), ("o_", "attention"),
                  ("up_", "ffn_up"), ("down_", "ffn_down"))


def encoder_block(r: int = 30, tokens: int = 32, *, name: str = "encoder_block") -> str:
    """Every tensorized linear layer of one transformer encoder block,
    forward and backward, at batch 1 (``tokens`` = sequence length; ours:
    ATIS utterances are short).  Each layer reads its own input tensor: the
    nonlinear parts between layers are not tensor networks, and Q, K and V,
    which read the same activation, each get their own copy so that each
    has its own input gradient (``grad`` gives a tensor one gradient)."""
    lines = [f"# one encoder block's TT layers (Q, K, V, O, FFN up, FFN down), rank {r}, batch 1 x {tokens} tokens",
             f"network {name} {{", _line("index", f"t = {tokens}")]
    for prefix, layer in ENCODER_LAYERS:
        ins, outs, _ = TT_LAYERS[layer]
        lines += _tt_body(prefix, ins, outs, tt_ranks(layer, r), "t", f"{prefix}x", grad=True)
    lines.append("}")
    return "\n".join(lines) + "\n"


def int8_forward(layer: str = "attention", r: int = 8, tokens: int = 1, *, name: str | None = None) -> str:
    """Zeroth-order training's inner loop: an int8 TT layer's forward pass
    (int32 accumulation), no gradients."""
    return tt_linear(layer, r, tokens, grad=False, dtype="int8", name=name or f"int8_{layer}_r{r}_t{tokens}")


def outer_update(n_in: int = 256, n_out: int = 256, *, dtype: str = "int8", name: str = "outer_update") -> str:
    """Node perturbation's rank-1 weight update ``dw[i, o] = x[i] * g[o]``
    (ours: a 256 x 256 layer, the scale of a 256 KB-SRAM microcontroller)."""
    return "\n".join([
        f"# rank-1 (outer-product) weight update of node perturbation, {n_in} x {n_out}",
        f"network {name} {{", _line("dtype", dtype), _line("index", f"i = {n_in}, o = {n_out}"),
        _line("input", "x[i]"), _line("input", "g[o]"), _line("dw[i, o] = x * g"), _line("output", "dw"), "}",
    ]) + "\n"


def deepoheat(nx: int = 101, ny: int = 101, nz: int = 56, rank: int = 128, batch: int = 50, *,
              derivative: bool = True, name: str = "deepoheat") -> str:
    """DeepOHeat-v1's rank-R CP reconstruction ``u[b,i,j,k] = sum_r Tx[i,r]
    Ty[j,r] Tz[k,r] B[b,r]`` (defaults: the published 101 x 101 x 56 grid,
    R = 128, b = 50); with ``derivative`` also ``u_x``, which replaces Tx by
    its derivative and shares the other three factors."""
    lines = [f"# DeepOHeat CP reconstruction {nx}x{ny}x{nz}, rank {rank}, batch {batch}",
             f"network {name} {{", _line("index", f"b = {batch}, i = {nx}, j = {ny}, k = {nz}, r = {rank}"),
             _line("param", "tx[i, r]"), _line("param", "ty[j, r]"), _line("param", "tz[k, r]"), _line("input", "bb[b, r]"),
             _line("u[b, i, j, k] = tx * ty * tz * bb")]
    outputs = ["u"]
    if derivative:
        lines += [_line("param", "dtx[i, r]"), _line("u_x[b, i, j, k] = dtx * ty * tz * bb")]
        outputs.append("u_x")
    lines += [_line("output", ", ".join(outputs)), "}"]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class Workload:
    """One row of the paper table: a family, a label and the program text."""

    family: str
    label: str
    source: str


PAPER_RANKS = (8, 16, 30, 64)
PAPER_TOKENS = (1, 128, 4096)


def paper_workloads(quick: bool = False, ranks: tuple[int, ...] | None = None,
                    tokens: tuple[int, ...] | None = None, deepoheat_batch: int = 50) -> tuple[Workload, ...]:
    """Every workload family of the paper table.  ``quick`` keeps one point
    per family at small sizes (for smoke runs); the full sweep covers r in
    {8, 16, 30, 64} and tokens in {1, 128, 4096} for each TT layer kind
    (``ranks``/``tokens`` narrow it) and DeepOHeat's published grid with
    ``deepoheat_batch`` functions (published: 50)."""
    ranks = ranks or ((8,) if quick else PAPER_RANKS)
    tokens = tokens or ((1, 128) if quick else PAPER_TOKENS)
    out: list[Workload] = []
    for layer in TT_LAYERS:
        for r in ranks:
            for t in tokens:
                out.append(Workload(f"TT {layer}", f"r={r} t={t}", tt_linear(layer, r, t)))
    out.append(Workload("TTM embedding", "t=1", ttm_embedding(1)))
    out.append(Workload("encoder block", f"r={8 if quick else 30} t=32", encoder_block(8 if quick else 30, 32)))
    out.append(Workload("int8 forward", "attention r=8 t=1", int8_forward("attention", 8, 1)))
    out.append(Workload("outer update", "int8 256x256", outer_update()))
    if quick:
        out.append(Workload("DeepOHeat", "21x21x12 R=16 b=4", deepoheat(21, 21, 12, 16, 4)))
    else:
        out.append(Workload("DeepOHeat", f"101x101x56 R=128 b={deepoheat_batch}", deepoheat(batch=deepoheat_batch)))
    return tuple(out)
