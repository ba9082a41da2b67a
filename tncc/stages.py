"""The names the pipeline offers its users, importable without loading the compiler.

The command line builds its help from these at start-up (``tncc check``
must not load the back end); :mod:`tncc.driver` builds its stages from
:data:`STAGE_HELP`, and a test holds :data:`PASS_NAMES` to the driver's
pipeline.
"""

from __future__ import annotations

STAGE_HELP: tuple[tuple[str, str], ...] = (
    ("network", "the checked network IR, gradients expanded, as .tn text"),
    ("plan", "the contraction plan: pairwise steps in order, with dataflows"),
    ("tiled", "memory plan and the blocks and tiles of every step"),
    ("asm", "the ISA program as text assembly (-o OUT.tnb writes the binary)"),
)
"""Every ``--emit`` stage, in pipeline order, with its one-line help."""

PASS_NAMES: tuple[str, ...] = ("frontend", "order", "memory", "tile", "tune", "codegen", "lower")
"""Every name ``--print-after`` accepts, in pipeline order."""

OBJECTIVES = ("macs", "size", "write", "cycles", "energy", "edp")
"""What the order search can minimise."""

ORDER_HELP = ("contraction order: csse (default: exact search, then the hardware-aware choice), flops (the "
              "MAC-optimal order), naive (left to right), or a registered strategy name (greedy, ...)")
