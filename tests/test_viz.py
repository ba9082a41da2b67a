"""Tests of tncc.evaluation.viz: the pictures are well-formed DOT that name every tensor
and index, hyperedges become hubs, and rendering follows the file suffix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dotparse import parse_dot, tokenize
from tncc.errors import TnccError
from irbuild import make_network
from tncc.ir import GradSpec, Network, Role
from tncc.plan import Plan, PlanOperand, Step
from tncc.evaluation.viz import network_dot, plan_dot, quote, render


def cp_network() -> Network:
    """DeepOHeat-style CP reconstruction: r is a hyperedge of four tensors,
    b a kept batch index; plus a matrix used twice and a trace-like sum."""
    return make_network(
        [("u", ("b", "i", "j", "k"), [("tx", ("i", "r")), ("ty", ("j", "r")), ("tz", ("k", "r")), ("bb", ("b", "r"))]),
         ("sq", ("i", "k2"), [("m", ("i", "j2")), ("m", ("j2", "k2"))]),
         ("s", (), [("m", ("i", "j2"))])],
        {"tx": (("i", "r"), Role.PARAM), "ty": (("j", "r"), Role.PARAM), "tz": (("k", "r"), Role.PARAM),
         "bb": (("b", "r"), Role.INPUT), "m": (("i", "j2"), Role.INPUT)},
        {"b": 2, "i": 3, "j": 4, "k": 5, "r": 6, "j2": 3, "k2": 3},
        ("u", "sq", "s"),
    )


def training_network() -> Network:
    """y = x * w with its two gradients (as the front end expands ``grad``)."""
    return make_network(
        [("y", ("b", "o"), [("x", ("b", "i")), ("w", ("i", "o"))]),
         ("d_x", ("b", "i"), [("d_y", ("b", "o")), ("w", ("i", "o"))]),
         ("d_w", ("i", "o"), [("x", ("b", "i")), ("d_y", ("b", "o"))])],
        {"x": (("b", "i"), Role.INPUT), "w": (("i", "o"), Role.PARAM), "d_y": (("b", "o"), Role.INPUT)},
        {"b": 4, "i": 8, "o": 2},
        ("y", "d_x", "d_w"),
        grads=(GradSpec("y", ("x", "w")),),
        grad_of={"d_x": ("y", "x"), "d_w": ("y", "w")},
    )


def left_to_right(net: Network) -> Plan:
    """The naive plan: each statement's operands folded left to right."""
    steps: list[Step] = []
    tmp = 0
    for st in net.statements:
        acc = PlanOperand(st.operands[0].tensor, st.operands[0].indices)
        rest = list(st.operands[1:])
        if not rest:
            steps.append(Step(st.result, st.indices, (acc,), st.result))
            continue
        for n, op in enumerate(rest):
            later = {i for o in rest[n + 1:] for i in o.indices} | set(st.indices)
            present = list(dict.fromkeys(acc.indices + op.indices))
            last = n == len(rest) - 1
            keep = st.indices if last else tuple(i for i in present if i in later)
            name = st.result if last else f"%{tmp}"
            tmp += 0 if last else 1
            steps.append(Step(name, keep, (acc, PlanOperand(op.tensor, op.indices)), st.result, "outer"))
            acc = PlanOperand(name, keep)
    plan = Plan(net, tuple(steps))
    plan.verify()
    return plan


def _all_text(g) -> str:
    return "\n".join(g.labels())


@pytest.mark.parametrize("make", [cp_network, training_network])
def test_network_dot_parses_and_names_everything(make) -> None:
    net = make()
    g = parse_dot(network_dot(net))
    assert not g.directed
    text = _all_text(g)
    for st in net.statements:
        for op in st.operands:
            assert op.tensor in text
        assert st.result in text
    for ix in net.indices:
        assert f"{ix.name} ({ix.size})" in text
    # One cluster per statement.
    assert len([s for s in g.subgraphs if s and s.startswith("cluster_")]) == len(net.statements)


def test_hyperedge_becomes_a_hub_with_one_edge_per_tensor() -> None:
    g = parse_dot(network_dot(cp_network()))
    hub = "s0.ix.r"
    assert g.nodes[hub]["shape"] == "point"
    touching = [e for e in g.edges if hub in e[:2]]
    assert len(touching) == 4  # tx, ty, tz and bb share the CP rank
    # i, j, k and b run from one factor to the result: plain edges, no hub.
    assert "s0.ix.i" not in g.nodes and "s0.ix.b" not in g.nodes


def test_matrix_used_twice_draws_two_nodes() -> None:
    g = parse_dot(network_dot(cp_network()))
    labels = [a.get("label", "") for n, a in g.nodes.items() if n.startswith("s1.o")]
    assert len(labels) == 2 and all(lab.startswith("m\\n") for lab in labels)


def test_summed_index_of_one_operand_is_visible() -> None:
    g = parse_dot(network_dot(cp_network()))
    # s[] = m[i, j2]: both indices are summed and carried by one tensor only.
    assert g.nodes["s2.ix.i"]["shape"] == "plaintext"
    assert g.nodes["s2.ix.j2"]["shape"] == "plaintext"


def test_gradient_statements_say_what_they_are() -> None:
    dot = network_dot(training_network())
    assert "gradient of y wrt x" in dot and "gradient of y wrt w" in dot
    g = parse_dot(dot)
    # d_y is drawn as an upstream gradient, not a plain input.
    fills = {a["label"].split("\\n")[0]: a.get("fillcolor") for a in g.nodes.values() if "label" in a}
    assert fills["d_y"] != fills["x"]


@pytest.mark.parametrize("make", [cp_network, training_network])
def test_plan_dot_parses_and_names_every_value(make) -> None:
    plan = left_to_right(make())
    g = parse_dot(plan_dot(plan, step_cost=lambda s: {"cycles": 10 * len(s.operands)}))
    assert g.directed
    for step in plan.steps:
        assert step.result in g.nodes
        for op in step.operands:
            assert op.value in g.nodes
            assert (op.value, step.result) in {(a, b) for a, b, _ in g.edges}
    text = _all_text(g)
    for step in plan.steps:
        for i in step.indices:
            assert i in text
    assert "cycles 20" in text


def test_plan_dot_marks_shared_temporaries() -> None:
    net = training_network()
    # A hand-made DAG in which the temporary %0 = x * w feeds two statements.
    steps = (
        Step("y", ("b", "o"), (PlanOperand("x", ("b", "i")), PlanOperand("w", ("i", "o"))), "y"),
        Step("d_x", ("b", "i"), (PlanOperand("d_y", ("b", "o")), PlanOperand("w", ("i", "o"))), "d_x"),
        Step("d_w", ("i", "o"), (PlanOperand("x", ("b", "i")), PlanOperand("d_y", ("b", "o"))), "d_w"),
    )
    plan = Plan(net, steps)
    plan.verify()
    dot = plan_dot(plan)
    parse_dot(dot)
    assert "shared by" not in dot  # nothing is consumed twice here
    steps2 = steps + (Step("%9", ("b",), (PlanOperand("y", ("b", "o")),), "y"),
                      Step("%10", (), (PlanOperand("y", ("b", "o")),), "y"))
    assert "shared by 2 steps" in plan_dot(Plan(net, steps2))


def test_quote_escapes_round_trip_through_the_tokenizer() -> None:
    nasty = 'a "b" \\ c'
    toks = tokenize(quote(nasty))
    assert toks == [("id", nasty)]


def test_dot_parser_rejects_malformed_text() -> None:
    for bad in ["graph { a -- }", "graph { a -> b }", "digraph { a [label=] }", "graph { a", "graph {} }"]:
        with pytest.raises(ValueError):
            parse_dot(bad)


def test_render_writes_dot_text(tmp_path: Path) -> None:
    out = tmp_path / "net.dot"
    dot = network_dot(training_network())
    render(dot, out)
    assert out.read_text() == dot


def test_render_svg_without_graphviz_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    out = tmp_path / "net.svg"
    with pytest.raises(TnccError) as err:
        render(network_dot(training_network()), out)
    assert "Graphviz" in str(err.value) and "net.dot" in str(err.value)
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_render_svg_with_graphviz(tmp_path: Path) -> None:
    out = tmp_path / "plan.svg"
    render(plan_dot(left_to_right(cp_network())), out)
    svg = out.read_text()
    assert "<svg" in svg and "tx" in svg


def test_render_without_suffix_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TnccError):
        render("graph {}", tmp_path / "picture")


EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.tn"))


def _example_networks() -> list[tuple[Path, str]]:
    import tncc

    return [(p, net.name) for p in EXAMPLES for net in tncc.load_file(str(p))]


@pytest.mark.parametrize("path,name", _example_networks(), ids=lambda v: v.name if isinstance(v, Path) else v)
def test_viz_command_draws_every_example(path: Path, name: str, tmp_path: Path) -> None:
    import tncc
    from tncc.cli import main

    out = tmp_path / "net.dot"
    assert main(["viz", str(path), "--network", name, "-o", str(out)]) == 0
    g = parse_dot(out.read_text())
    net = tncc.load_network(str(path), name)
    text = _all_text(g)
    for t in net.tensors:
        if any(op.tensor == t.name for st in net.statements for op in st.operands) or t.name in net.outputs:
            assert t.name in text, f"{t.name} missing from the picture of {name}"
    for ix in net.indices:
        if any(ix.name in op.indices for st in net.statements for op in st.operands):
            assert f"{ix.name} ({ix.size})" in text


@pytest.mark.parametrize("order", ["csse", "flops", "naive"])
def test_viz_command_draws_plans(order: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tncc.cli import main

    path = Path(__file__).resolve().parent.parent / "examples" / "tt_linear.tn"
    assert main(["viz", str(path), "--what", "plan", "--order", order, "--arch", "fetta"]) == 0
    g = parse_dot(capsys.readouterr().out)
    assert g.directed
    for name in ("y", "d_x", "d_g1", "d_g6", "x", "d_y", "g3"):
        assert name in g.nodes
    assert "cycles" in _all_text(g)


def test_viz_command_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tncc.cli import main

    path = Path(__file__).resolve().parent.parent / "examples" / "tt_linear.tn"
    assert main(["viz", str(tmp_path / "missing.tn")]) == 1
    assert "no such file" in capsys.readouterr().err
    assert main(["viz", str(path), "--what", "plan", "--arch", "nosuch"]) == 1
    assert "nosuch" in capsys.readouterr().err
    assert main(["viz", str(path), "--what", "plan", "--order", "fastest"]) == 1
    assert "fastest" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["viz", str(path), "--what", "picture"])
    assert exit_.value.code == 2
