"""SSA and opt_einsum path formats, index bookkeeping and the MAC counter."""

import numpy as np
import opt_einsum as oe
import pytest
from hypothesis import given, settings, strategies as hst

from order_support import all_paths, eval_path, random_problem
from tncc.passes.order.paths import (PathError, left_to_right, linear_to_ssa, path_macs, path_steps, ssa_to_linear,
                                     tree_key, validate_ssa)


@settings(max_examples=40, deadline=None)
@given(hst.integers(2, 9), hst.integers(0, 10_000))
def test_linear_round_trip(n, seed):
    rng = np.random.default_rng(seed)
    live, nxt, path = list(range(n)), n, []
    while len(live) > 1:
        a, b = rng.choice(live, 2, replace=False)
        live = [x for x in live if x not in (a, b)] + [nxt]
        path.append((int(a), int(b)))
        nxt += 1
    path = tuple(path)
    lin = ssa_to_linear(path, n)
    assert all(len(s) == 2 and s[0] < s[1] for s in lin)
    assert tree_key(linear_to_ssa(lin, n), n) == tree_key(path, n)
    assert ssa_to_linear(linear_to_ssa(lin, n), n) == lin


def test_import_from_opt_einsum_and_count_like_cotengra():
    # cotengra drops indices found in one tensor only before counting; without
    # such indices both counts are the product of every index of each step
    import cotengra as ctg

    rng = np.random.default_rng(3)
    for _ in range(10):
        inputs, output, sizes = random_problem(rng, 6, dangling=False)
        path, _ = oe.contract_path(",".join("".join(ix) for ix in inputs) + "->" + "".join(output),
                                   *[tuple(sizes[i] for i in ix) for ix in inputs], shapes=True, optimize="greedy")
        ssa = linear_to_ssa(path, len(inputs))
        tree = ctg.ContractionTree.from_path(inputs, output, sizes, path=path)
        assert path_macs(inputs, output, sizes, ssa) == tree.total_flops()


def test_multi_operand_linear_steps_are_split():
    assert linear_to_ssa([(0, 1, 2)], 3) == ((0, 1), (3, 2))


def test_invalid_paths_are_rejected():
    with pytest.raises(PathError):
        validate_ssa(((0, 1),), 3)
    with pytest.raises(PathError):
        validate_ssa(((0, 1), (0, 2)), 3)
    with pytest.raises(PathError):
        linear_to_ssa([(0, 5)], 3)


def test_hyperedge_stays_open_until_its_last_tensor():
    inputs = [("r", "i"), ("r", "j"), ("r", "k")]
    steps = path_steps(inputs, ("i", "j", "k"), ((0, 1), (3, 2)))
    assert steps[0].result == ("r", "i", "j")
    assert steps[1].result == ("i", "j", "k") and steps[1].summed() == ("r",)


def test_every_path_evaluates_to_the_einsum():
    rng = np.random.default_rng(0)
    inputs, output, sizes = [("a", "b"), ("b", "c"), ("d",), ("a", "d", "e")], ("c", "e"), {"a": 2, "b": 3, "c": 2, "d": 2, "e": 3}
    arrays = [rng.standard_normal([sizes[i] for i in ix]) for ix in inputs]
    want = np.einsum("ab,bc,d,ade->ce", *arrays)
    for p in all_paths(4):
        np.testing.assert_allclose(eval_path(inputs, output, arrays, p), want, rtol=1e-10, atol=1e-12)


def test_left_to_right():
    assert left_to_right(4) == ((0, 1), (4, 2), (5, 3))
    assert left_to_right(1) == ()
