"""``tncc arch list`` and ``tncc arch show NAME``: the architecture files."""

from __future__ import annotations

import argparse

from tncc.isa.arch import list_presets, load_arch

HELP = "list the architecture presets or print a resolved architecture file"
DESCRIPTION = """\
  tncc arch list                      the presets shipped with tncc
  tncc arch show fetta                the resolved file of a preset
  tncc arch show systolic:rows=32,dataflow=os
  tncc arch show my_arch.toml:buffer.bytes=65536

NAME is a preset name or a path to a TOML file, optionally followed by
:key=value overrides (dotted keys, or bare keys that only one section has).
The printed file loads back to the same architecture (same fingerprint)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="arch_command", metavar="ACTION", required=True)
    sub.add_parser("list", help="list the presets")
    show = sub.add_parser("show", help="print the resolved architecture file")
    show.add_argument("name", metavar="NAME", help="preset or path, with optional :key=value overrides")


def run(args: argparse.Namespace) -> int:
    if args.arch_command == "list":
        for name in list_presets():
            a = load_arch(name)
            if a.kind == "systolic":
                shape = f"{a.array.rows}x{a.array.cols} systolic array, dataflow {a.array.dataflow}"
            else:
                shape = (f"{a.array.ce_rows}x{a.array.ce_cols} CEs x {a.array.lanes} lanes, "
                         f"{a.dist.ports}-port networks")
            print(f"{name:<10} {a.peak_macs_per_cycle:>5} MACs/cycle  {shape}, "
                  f"{a.buffer.bytes // 1024} KiB buffer  fingerprint 0x{a.fingerprint():08x}")
        return 0
    arch = load_arch(args.name)
    print(f"# fingerprint 0x{arch.fingerprint():08x}, {arch.peak_macs_per_cycle} MACs per cycle")
    print(arch.to_toml(), end="")
    return 0
