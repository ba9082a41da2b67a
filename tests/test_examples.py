"""Every program in examples/ checks, verifies and evaluates with the reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tncc import reference
from tncc.cli import main
from tncc.frontend import load_file
from tncc.ir import Role

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.tn"))


def test_examples_exist() -> None:
    names = {p.name for p in EXAMPLES}
    assert {"tt_linear.tn", "tt_attention.tn", "tt_ffn.tn", "ttm_linear.tn", "ttm_embedding.tn",
            "encoder_block.tn", "int8_forward.tn", "node_perturbation.tn", "deepoheat.tn",
            "matrix_chain.tn", "mps_inner.tn", "peps_2x2.tn", "tree.tn"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_checks_and_evaluates(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(path)]) == 0
    assert capsys.readouterr().out.startswith(f"{path}: ok (")
    for net in load_file(path):
        net.verify()
        out = reference.evaluate(net, seed=0)
        assert set(out) == set(net.outputs)
        for name, value in out.items():
            assert value.shape == net.shape(name)
            assert np.all(np.isfinite(value)), name


def test_published_shapes() -> None:
    root = EXAMPLES[0].parent
    (att,) = load_file(root / "tt_attention.tn")
    assert att.shape("x")[1:] == (12, 8, 8) and att.shape("y")[1:] == (8, 8, 12) and att.size("t") == 128
    ranks = [att.shape(f"g{k}")[-1] for k in range(1, 6)]
    assert ranks == [12, 30, 30, 30, 12]
    assert len([s for s in att.statements if s.grad_of]) == 7
    up, down = load_file(root / "tt_ffn.tn")
    assert np.prod(up.shape("x")[1:]) == 768 and np.prod(up.shape("h")[1:]) == 3072
    assert np.prod(down.shape("h")[1:]) == 3072 and np.prod(down.shape("y")[1:]) == 768
    (emb,) = load_file(root / "ttm_embedding.tn")
    rows = [emb.size(m) for m in ("m1", "m2", "m3", "m4")]
    cols = [emb.size(n) for n in ("n1", "n2", "n3", "n4")]
    assert rows == [16, 20, 10, 10] and cols == [4, 4, 8, 6]
    deep = load_file(root / "deepoheat.tn")[0]
    assert deep.shape("u") == (50, 101, 101, 56) and deep.size("r") == 128
    assert sum(1 for t in deep.tensors if "r" in t.indices) == 4  # the CP-rank hyperedge
    (i8,) = load_file(root / "int8_forward.tn")
    assert i8.dtype.value == "int8" and not i8.grads
    (small,) = load_file(root / "tt_linear.tn")
    assert small.size("t") == 16 and len(small.leaves()) == 7 + 1  # x, six cores, d_y
    assert {t.name for t in small.tensors if t.role is Role.OUTPUT} >= {"y", "d_x", "d_g1", "d_g6"}
