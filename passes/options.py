"""The lowering's choices, each one forceable.

:func:`tncc.passes.lower.lower_plan` lowers a plan more than one way where a
choice trades one cost against another and keeps the program with the
fewest modelled cycles (``passes.estimate``).  :class:`LoweringOptions`
names every such choice: a field left ``None`` leaves it to the lowering,
any other value forces it, even where the model says it costs cycles and
past the instruction limit beyond which the lowering stops trying it.  A
forced option that does not apply to a program (nothing streams, or the
architecture is systolic and the option is fetta's) changes nothing.

Users chasing a performance question force one option at a time; tests
force each on and off, so a rarely chosen one is still proven correct::

    import tncc
    from tncc import LoweringOptions

    c = tncc.compile("examples/ttm_linear.tn", lowering=LoweringOptions(co_schedule=False))
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from tncc.errors import TnccError

MIN_STAGE_SHARE = 2  # the first staging area the lowering tries: half of the buffer
Share = int | Fraction  # a staging share: 1/share of the buffer is the staging area
RESIDENCY_RULES = ("greedy", "cpsat")  # passes.alloc's GREEDY and CPSAT


@dataclass(frozen=True)
class LoweringOptions:
    """Each field ``None`` (the lowering chooses) or forced.

    ``stage_share``: once anything streams, ``1/stage_share`` of the buffer
    is the staging area (an int or a ``Fraction`` above 1, ``4/3`` in text:
    three quarters; chosen: a half, then three quarters, seven eighths and
    fifteen sixteenths while each is cheaper, else on fetta a quarter, a
    sixth, an eighth while each is).
    ``wide_paddings``: resident tensors whose bank conflicts only a larger
    padding removes reserve room for it (fetta; chosen: taken where it costs
    no spill, else the cheaper of taking them one by one and all of them;
    ``True`` takes all, ``False`` none).
    ``lookahead``: a streaming step loads the next streaming step's first
    block right after its own (fetta; chosen by the model).
    ``prefetch``: before a run of steps that stage nothing, the next
    streaming step's first block is loaded (fetta; chosen: on).
    ``deferred_stores``: a block's result is stored after the next block's
    operands are loaded, a step's last stores after the next step's first
    loads (chosen: on; off stores each result as soon as it is complete).
    ``co_schedule``: a DMA-bound step and a compute-bound one run block by
    block together where that is safe (fetta; chosen by the model; ``True``
    keeps the pairs ``co_schedule`` finds, if it finds any).
    ``leaves_ahead``: a resident leaf is loaded whole during the step before
    its first use, in the DMA queue ahead of that step's result reshapes and
    stores, so the load runs under the step's GEMMs (systolic, whose DMA
    cannot prefetch a streamed block; chosen by the model).
    ``smaller_buffer``: where everything fits in the buffer, the program is
    the one lowered for the largest halving of the buffer that no longer
    holds everything, so large tensors stream block by block under the
    array's work (chosen by the model: on systolic always, on fetta for
    programs of at most ``OPTION_LIMIT`` instructions; ``True`` takes it
    where it applies).
    ``residency``: once anything streams, the rule that chooses what does:
    ``"greedy"`` evicts the largest live value whenever one does not fit,
    ``"cpsat"`` streams the set CP-SAT chooses on the cost model
    (``passes.residency``; chosen: each placement is lowered with the later
    choices above made for it, and the one with fewer modelled cycles is
    kept)."""

    stage_share: Share | None = None
    wide_paddings: bool | None = None
    lookahead: bool | None = None
    prefetch: bool | None = None
    deferred_stores: bool | None = None
    co_schedule: bool | None = None
    leaves_ahead: bool | None = None
    smaller_buffer: bool | None = None
    residency: str | None = None

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if f.name == "stage_share":
                if isinstance(value, bool) or not isinstance(value, (int, Fraction)) or value <= 1:
                    raise TnccError(f"lowering option stage_share must be an integer or a fraction above 1 "
                                    f"(the staging area is 1/stage_share of the buffer), not {value!r}")
            elif f.name == "residency":
                if value not in RESIDENCY_RULES:
                    raise TnccError(f"lowering option residency must be one of {', '.join(RESIDENCY_RULES)} "
                                    f"(the rule that chooses what streams), not {value!r}")
            elif not isinstance(value, bool):
                raise TnccError(f"lowering option {f.name} must be True, False or None (the lowering chooses), "
                                f"not {value!r}")

    def forced(self) -> dict[str, Any]:
        """The forced fields by name."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if getattr(self, f.name) is not None}

    def text(self) -> str:
        """``key=value,...`` of the forced fields (``on``/``off`` for flags),
        as :meth:`parse` reads it; empty when nothing is forced."""
        return ",".join(f"{k}={v if not isinstance(v, bool) else ('on' if v else 'off')}"
                        for k, v in self.forced().items())

    @classmethod
    def parse(cls, text: str) -> "LoweringOptions":
        """Options from ``key=value,...`` (flags ``on``/``off``, ``true``/
        ``false``, ``1``/``0``; ``residency`` a rule's name; ``auto`` leaves
        a field to the lowering)."""
        names = {f.name for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        for item in filter(None, (p.strip() for p in text.split(","))):
            key, sep, raw = item.partition("=")
            key, raw = key.strip(), raw.strip().lower()
            if not sep or key not in names:
                raise TnccError(f"lowering option {item!r}: expected KEY=VALUE with KEY one of "
                                f"{', '.join(sorted(names))}")
            if raw == "auto":
                values[key] = None
            elif key == "stage_share":
                num, slash, den = raw.partition("/")
                if not num.isdigit() or (slash and not den.isdigit()) or (slash and int(den) == 0):
                    raise TnccError(f"lowering option {item!r}: stage_share takes an integer or a fraction "
                                    f"such as 4/3 (the staging area is 1/stage_share of the buffer)")
                share = Fraction(int(num), int(den) if slash else 1)
                values[key] = int(share) if share.denominator == 1 else share
            elif key == "residency":
                if raw not in RESIDENCY_RULES:
                    raise TnccError(f"lowering option {item!r}: residency takes {', '.join(RESIDENCY_RULES)} or auto")
                values[key] = raw
            elif raw in ("on", "true", "1"):
                values[key] = True
            elif raw in ("off", "false", "0"):
                values[key] = False
            else:
                raise TnccError(f"lowering option {item!r}: expected on, off or auto")
        return cls(**values)


DEFAULT = LoweringOptions()
