"""The pipeline's stage list and its straight-line driver."""

from __future__ import annotations

from pathlib import Path

import pytest

from tncc.driver import STAGES, compile_file, get_stage, stage_names
from tncc.errors import TnccError
from tncc.ir import Network

TT = Path(__file__).resolve().parent.parent / "examples" / "tt_linear.tn"


def test_network_stage_comes_first() -> None:
    assert stage_names()[0] == "network" and STAGES[0].name == "network"
    ctx = compile_file(TT, "network")
    net = ctx.artifacts["network"]
    assert isinstance(net, Network) and net.name == "tt_linear"
    assert list(ctx.artifacts) == ["network"]
    assert get_stage("network").emit(net).startswith("network tt_linear {")


def test_unknown_stage_and_bad_input() -> None:
    with pytest.raises(KeyError):
        compile_file(TT, "nonsense")
    with pytest.raises(TnccError):
        compile_file(TT.parent / "missing.tn", "network")
