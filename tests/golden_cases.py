"""Golden files: the ``--emit`` text of every stage for a few small examples.

Each case is one example (and network) on one preset; its files live in
``tests/golden/`` as ``<name>.<stage>`` with ``<name>`` =
``<example>[-<network>].<arch>`` (the network stage does not depend on the
architecture and is kept once per example, without the arch).  The test
(``tests/test_golden.py``) compares the driver's output with them exactly.

After an intended change to what a stage prints, regenerate them and review
the diff like any other change::

    python tests/golden_cases.py --update       # rewrite every golden file
    python tests/golden_cases.py                # list the cases that differ (exit 1 if any)
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
STAGES = ("network", "plan", "tiled", "asm")


@dataclass(frozen=True)
class Case:
    example: str
    arch: str
    network: str | None = None

    @property
    def path(self) -> Path:
        return ROOT / "examples" / f"{self.example}.tn"

    def file(self, stage: str) -> Path:
        stem = self.example + (f"-{self.network}" if self.network else "")
        if stage == "network":
            return GOLDEN / f"{stem}.network.tn"
        return GOLDEN / f"{stem}.{self.arch}.{stage}"


CASES = (
    Case("tt_linear", "fetta"),
    Case("tt_linear", "systolic"),
    Case("tree", "fetta"),
    Case("matrix_chain", "fetta", "matrix_square"),
    Case("matrix_chain", "systolic", "matrix_square"),
    Case("int8_forward", "systolic"),
)


def render(case: Case) -> dict[str, str]:
    """The text of every stage for ``case``, by stage name (one compile)."""
    sys.path.insert(0, str(ROOT))
    from tncc.driver import compile_file, get_stage

    # Compiled by the repository-relative path, as a user in the checkout
    # would: the program's statement table records the source file.
    with contextlib.chdir(ROOT):
        ctx = compile_file(case.path.relative_to(ROOT), network=case.network, options={"arch": case.arch})
    out = {}
    for stage in STAGES:
        text = get_stage(stage).emit(ctx.artifacts[stage])
        assert isinstance(text, str)
        out[stage] = text
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="check or regenerate the golden --emit files")
    ap.add_argument("--update", action="store_true", help="rewrite the golden files from the current compiler")
    args = ap.parse_args(argv)
    GOLDEN.mkdir(exist_ok=True)
    differ = 0
    for case in CASES:
        for stage, text in render(case).items():
            f = case.file(stage)
            if args.update:
                f.write_text(text)
            elif not f.exists() or f.read_text() != text:
                differ += 1
                print(f"differs: {f.relative_to(ROOT)}")
    if args.update:
        print(f"wrote the golden files of {len(CASES)} cases to {GOLDEN.relative_to(ROOT)}")
        return 0
    print(f"{differ} golden files differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
