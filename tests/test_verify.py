"""Every IR level's verify(): accepts what the compiler produces, and names
what is wrong in a broken one with a VerifyError (never an assert, so
``python -O`` checks the same)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest

import tncc
from tncc.compiled import Compiled
from tncc.errors import VerifyError
from tncc.isa.program import Symbol
from tncc.isa.table import Opcode
from tncc.passes.memory_ir import Kind

ROOT = Path(__file__).resolve().parent.parent
TT = ROOT / "examples" / "tt_linear.tn"


@lru_cache(maxsize=None)
def compiled(arch: str) -> Compiled:
    return tncc.compile(TT, arch=arch)


@pytest.mark.parametrize("arch", ["fetta", "systolic"])
def test_compiled_levels_verify(arch: str) -> None:
    c = compiled(arch)
    c.network.verify()
    c.plan.verify()
    c.lowered.memory.verify()
    c.lowered.tiled.verify()
    c.program.verify()


def test_network_outputs_listed_twice_under_python_O() -> None:
    code = ("import dataclasses, tncc\n"
            f"net = tncc.load_network({str(TT)!r})\n"
            "bad = dataclasses.replace(net, outputs=net.outputs + net.outputs[:1])\n"
            "try:\n    bad.verify()\nexcept tncc.errors.VerifyError as e:\n    print('caught', e)\n")
    out = subprocess.run([sys.executable, "-O", "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.startswith("caught") and "listed twice" in out


def test_plan_value_defined_twice() -> None:
    plan = compiled("fetta").plan
    bad = dataclasses.replace(plan, steps=plan.steps + plan.steps[-1:])
    with pytest.raises(VerifyError, match="defined twice"):
        bad.verify()


def test_memory_plan_overlap_and_missing_dram() -> None:
    mem = compiled("fetta").lowered.memory
    resident = [p for p in mem.placements if p.resident]
    a, b = next((x, y) for x in resident for y in resident
                if x is not y and mem.value(x.value).first <= mem.value(y.value).last
                and mem.value(y.value).first <= mem.value(x.value).last)
    moved = tuple(dataclasses.replace(p, buf=a.buf) if p is b else p for p in mem.placements)
    with pytest.raises(VerifyError, match="overlap"):
        dataclasses.replace(mem, placements=moved).verify()
    held = {p.value for p in resident}
    leaf = next(v.name for v in mem.values if v.kind is Kind.LEAF and v.name in held)  # a streamed one has only DRAM
    no_dram = tuple(dataclasses.replace(p, dram=None) if p.value == leaf else p for p in mem.placements)
    with pytest.raises(VerifyError, match=f"leaf '{leaf}' has no DRAM symbol"):
        dataclasses.replace(mem, placements=no_dram).verify()


def test_tiled_program_missing_tile() -> None:
    tiled = compiled("fetta").lowered.tiled
    ts = tiled.steps[0]
    block = ts.blocks[0]
    cut = dataclasses.replace(ts, blocks=(dataclasses.replace(block, tiles=block.tiles[1:]),) + ts.blocks[1:])
    if not block.tiles[1:]:
        cut = dataclasses.replace(ts, blocks=ts.blocks[1:])
    with pytest.raises(VerifyError, match="step 0: tiles cover"):
        dataclasses.replace(tiled, steps=(cut,) + tiled.steps[1:]).verify()


def test_program_without_halt_or_with_overlapping_symbols() -> None:
    prog = compiled("fetta").program
    assert prog.instructions[-1].opcode is Opcode.HALT
    with pytest.raises(VerifyError, match="only HALT"):
        dataclasses.replace(prog, instructions=prog.instructions[:-1]).verify()
    s0, s1 = prog.symbols[:2]
    clash = Symbol(s1.name, s1.role, s1.dtype, s1.shape, s0.dram, s1.strides)
    with pytest.raises(VerifyError, match="overlap in DRAM"):
        dataclasses.replace(prog, symbols=(s0, clash) + prog.symbols[2:]).verify()
