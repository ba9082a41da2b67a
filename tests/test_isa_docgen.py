"""The committed ISA reference is exactly what the table generates."""

from __future__ import annotations

from tncc.isa import docgen
from tncc.isa.table import TABLE


def test_readme_is_up_to_date():
    committed = docgen.README.read_text(encoding="utf-8")
    assert committed == docgen.generate(), "isa/README.md is stale: run `python -m tncc.isa.docgen`"


def test_readme_documents_every_opcode_and_field():
    text = docgen.generate()
    for op, s in TABLE.items():
        assert f"### {op.name}\n" in text and s.doc in text
        for f in s.fields:
            assert f"| `{f.name}` | {f.bits} |" in text
