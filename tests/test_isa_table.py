"""The opcode table is complete: every opcode has fields, a unit, a timing
class, documentation, and exactly one emulator handler."""

from __future__ import annotations

import pytest

from tncc.isa.table import (FIELD_BITS, TABLE, WORD_BITS, OPCODE_BITS, SRC_BITS, ConfigKind, Issue, Opcode,
                            TimingClass, opcode_by_name)
from tncc.isa.program import CONFIG_TYPES


def test_every_opcode_is_in_the_table_once():
    assert set(TABLE) == set(Opcode)
    assert len({int(op) for op in Opcode}) == len(Opcode)
    assert all(0 <= int(op) < 1 << OPCODE_BITS for op in Opcode)


@pytest.mark.parametrize("op", list(Opcode), ids=lambda o: o.name)
def test_opcode_row_is_complete(op):
    s = TABLE[op]
    assert isinstance(s.fields, tuple)
    assert isinstance(s.issue, Issue) and isinstance(s.timing_class, TimingClass)
    assert len(s.doc) > 10 and s.doc.strip() == s.doc
    assert sum(f.bits for f in s.fields) <= FIELD_BITS
    for f in s.fields:
        assert f.bits >= 1 and f.doc
        assert f.name.isidentifier() and f.name not in ("src", "opcode", "fields")
        if f.symbols:
            assert len(f.symbols) <= 1 << f.bits
        if f.ref is not None:
            assert f.ref in CONFIG_TYPES


def test_table_matches_the_machine_contract():
    # docs/machine.md: who issues what, and what every instruction carries.
    assert WORD_BITS == OPCODE_BITS + SRC_BITS + FIELD_BITS
    units = {op: TABLE[op].issue for op in Opcode}
    assert units[Opcode.LOAD] is units[Opcode.STORE] is units[Opcode.SHAPE] is Issue.DMA
    assert units[Opcode.CTILE] is units[Opcode.GEMM] is Issue.ARRAY
    assert units[Opcode.SIGNAL] is units[Opcode.WAIT] is Issue.FIELD
    fields = {op: tuple(f.name for f in TABLE[op].fields) for op in Opcode}
    assert fields[Opcode.LOAD] == ("dram", "buf", "desc")
    assert fields[Opcode.STORE] == ("buf", "dram", "desc")
    assert fields[Opcode.DIST] == ("net", "cfg") and fields[Opcode.SIGNAL] == ("unit", "sem")
    assert fields[Opcode.HALT] == ()
    # every config section is referenced by some instruction
    assert {f.ref for s in TABLE.values() for f in s.fields if f.ref} == set(ConfigKind)


def test_opcode_by_name():
    assert opcode_by_name("ctile") is Opcode.CTILE
    assert opcode_by_name("JUMP") is None


def _handler_registry() -> dict:
    """The emulator's opcode -> handler registry."""
    from tncc.runtime.emulator import HANDLERS

    return dict(HANDLERS)


def test_emulator_handles_every_opcode_once():
    handlers = _handler_registry()
    assert set(handlers) == set(Opcode)
    assert len(handlers) == len(Opcode)
    assert all(callable(h) for h in handlers.values())


def test_every_timing_class_has_one_cost_function():
    from tncc.isa import timing

    assert set(timing.COST_BY_CLASS) == set(TimingClass)
    assert all(callable(fn) for fn in timing.COST_BY_CLASS.values())
    assert {TABLE[op].timing_class for op in Opcode} <= set(timing.COST_BY_CLASS)
    for cls in TimingClass:  # each formula is documented (isa/README.md prints it)
        assert len(timing.cost_formula(cls)) > 10, cls


def _programs():
    """Compiled programs that together execute every opcode (a NOP added)."""
    import dataclasses
    from pathlib import Path

    import tncc
    from tncc.isa.program import Instruction

    src = Path(__file__).resolve().parents[1] / "examples" / "tt_linear.tn"
    for arch in ("fetta", "systolic"):
        prog = tncc.compile(src, arch=arch).program
        yield dataclasses.replace(prog, instructions=(Instruction(Opcode.NOP),) + tuple(prog.instructions))


def test_every_opcode_is_costed_through_its_timing_class(monkeypatch):
    """Replace each class's cost function by one of a distinctive cost: every
    executed instruction then takes exactly that many cycles, charged to the
    unit its table row issues it on, so no handler picks its own cost."""
    from tncc.isa import timing
    from tncc.runtime import Emulator

    calls: dict[TimingClass, int] = {cls: 0 for cls in TimingClass}
    cycles = {cls: 0 if cls in (TimingClass.CONTROL, TimingClass.SYNC) else 1000 + 17 * i
              for i, cls in enumerate(TimingClass)}

    def spy(cls):
        def cost(arch, operands):
            calls[cls] += 1
            return timing.Cost(cycles[cls])
        return cost

    for cls in TimingClass:
        monkeypatch.setitem(timing.COST_BY_CLASS, cls, spy(cls))
    executed: set[Opcode] = set()
    present: set[Opcode] = set()
    for prog in _programs():
        present |= {i.opcode for i in prog.instructions}
        report = Emulator(prog).run(seed=0).report
        for r in report.records:
            op = Opcode[r.opcode]
            executed.add(op)
            s = TABLE[op]
            c = cycles[s.timing_class]
            busy = [0, 0, 0, 0]
            unit = s.unit(next(i.fields for i in prog.instructions if i.opcode is op)) if c else None
            if unit is not None:
                busy[unit] = c
            assert tuple(r.busy) == tuple(busy), (op, r)
            if s.timing_class is not TimingClass.SYNC:
                assert r.end - r.start == c, (op, r)
    assert present == set(Opcode)
    assert executed | {Opcode.HALT, Opcode.NOP} == set(Opcode)  # neither leaves a record
    assert all(calls[TABLE[op].timing_class] for op in present)
