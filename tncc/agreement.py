"""Whether an emulated output agrees with the numpy reference, and if not,
where and how the two differ -- including values that are not finite.

The rule, element by element (``g`` the emulator's value, ``w`` the
reference's, both as float64; ``scale`` the largest finite ``|w|``):

* both finite: they agree when ``|g - w| <= atol * max(1, scale) + rtol * |w|``
  with the dtype's tolerance (:func:`tncc.reference.tolerance`);
* both NaN, or both the same infinity: they agree (the same value in the
  same place);
* otherwise they differ, and the kind is named: NaN only on one side,
  infinity only on one side, infinities of opposite sign, or a finite
  difference beyond the tolerance (magnitude);
* except when the reference's value is not finite, the emulator's is finite,
  and a float64 recomputation of the reference (every leaf and every
  statement in float64) gives a finite value the emulator's agrees with under
  the rule above.  Then the reference overflowed in its own summation order
  (numpy's fp32 ``[3e38, 3e38, -3e38, -3e38]`` sums to NaN, the emulator's
  order to the exact 0): the element is counted as *reference overflow*, said
  so in the report, and not held against the program.

``max_abs_err`` and ``max_rel_err`` are over the elements where both values
are finite (so they stay numbers); the non-finite differences are counted
and described separately.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from tncc.reference import Tolerance


@dataclass(frozen=True)
class Agreement:
    """The comparison of one output (see the module doc for the rule)."""

    match: bool
    max_abs_err: float
    max_rel_err: float
    differing: int  # elements held against the program
    nan_agree: int  # NaN in the same place in both
    inf_agree: int  # the same infinity in the same place in both
    reference_overflow: int  # excused: the reference overflowed, float64 agrees with the emulator
    detail: str | None  # where and how the first difference lies, in words

    def to_dict(self) -> dict[str, Any]:
        return {"match": self.match, "max_abs_err": self.max_abs_err, "max_rel_err": self.max_rel_err,
                "differing": self.differing, "nan_agree": self.nan_agree, "inf_agree": self.inf_agree,
                "reference_overflow": self.reference_overflow, "detail": self.detail}


def _fmt(x: float) -> str:
    if np.isnan(x):
        return "NaN"
    if np.isinf(x):
        return "+inf" if x > 0 else "-inf"
    return f"{x:.6g}"


def _kind(g: float, w: float, limit: float) -> str:
    gn, wn = np.isnan(g), np.isnan(w)
    if gn != wn:
        return "NaN only in the emulator" if gn else "NaN only in the reference"
    gi, wi = np.isinf(g), np.isinf(w)
    if gi and wi:
        return "infinities of opposite sign"
    if gi != wi:
        return "infinity only in the emulator" if gi else "infinity only in the reference"
    return f"magnitude: |difference| {abs(g - w):.3g} exceeds the tolerance {limit:.3g}"


def _within(g: np.ndarray, w: np.ndarray, tol: Tolerance, scale: float) -> np.ndarray:
    with np.errstate(invalid="ignore", over="ignore"):
        return np.abs(g - w) <= tol.atol * max(1.0, scale) + tol.rtol * np.abs(w)


def compare_output(got: np.ndarray, want: np.ndarray, tol: Tolerance,
                   recompute: Callable[[], np.ndarray] | None = None) -> Agreement:
    """Compare ``got`` (emulator) with ``want`` (reference) of the same shape.
    ``recompute`` gives the float64 recomputation of the reference; it is
    called only when the reference has a non-finite value where the emulator
    has a finite one."""
    g = np.asarray(got, dtype=np.float64)
    w = np.asarray(want, dtype=np.float64)
    gf, wf = np.isfinite(g), np.isfinite(w)
    both = gf & wf
    scale = max(float(np.max(np.abs(w[wf]), initial=0.0)), 1e-30)
    diff = np.where(both, np.abs(np.where(both, g, 0.0) - np.where(both, w, 0.0)), 0.0)
    max_abs = float(np.max(diff, initial=0.0))
    ok = np.where(both, _within(np.where(both, g, 0.0), np.where(both, w, 0.0), tol, scale), False)
    nan_agree = np.isnan(g) & np.isnan(w)
    inf_agree = np.isinf(g) & np.isinf(w) & (np.sign(g) == np.sign(w))
    ok |= nan_agree | inf_agree
    excused = np.zeros_like(ok)
    suspect = ~ok & gf & ~wf  # the reference alone is not finite
    if suspect.any() and recompute is not None:
        r = np.asarray(recompute(), dtype=np.float64)
        rf = np.isfinite(r)
        scale64 = max(float(np.max(np.abs(r[rf]), initial=0.0)), 1e-30)
        excused = suspect & rf & _within(g, np.where(rf, r, 0.0), tol, scale64)
        ok |= excused
    bad = ~ok
    n_bad = int(bad.sum())
    detail = None
    if n_bad:
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        gv, wv = float(g[first]), float(w[first])
        limit = tol.atol * max(1.0, scale) + tol.rtol * abs(wv) if np.isfinite(wv) else 0.0
        where = "[" + ", ".join(map(str, first)) + "]"
        detail = (f"{n_bad} of {g.size} element{'s' if g.size != 1 else ''} differ; first at {where}: "
                  f"emulator {_fmt(gv)}, reference {_fmt(wv)} ({_kind(gv, wv, limit)})")
    return Agreement(match=n_bad == 0, max_abs_err=max_abs, max_rel_err=max_abs / scale, differing=n_bad,
                     nan_agree=int(nan_agree.sum()), inf_agree=int(inf_agree.sum()),
                     reference_overflow=int(excused.sum()), detail=detail)
