"""A long differential campaign: random programs as large as the paper's on
random architectures, every order, objective and forced lowering option.

    python bench/fuzz.py --seed 0 --batches 40 --out fuzz-out
    python bench/fuzz.py --out fuzz-out            # resumes where the state file says
    python bench/fuzz.py --out fuzz-out --summary  # the table of what is recorded so far

Cases are drawn by Hypothesis from ``tncc.testing.cases`` (programs from
``large_networks``, machines from ``architectures``, options from
``lowering_options``) in batches; batch ``b`` is drawn with the seed
``seed * 1_000_003 + b``, so a campaign is reproducible batch by batch.
Every case is judged by ``tncc.differential.check`` (numpy reference, strict
synchronisation checker, static estimate against emulated cycles).  After
each batch the state file (``OUT/state.json``, or ``--state``) records the
next batch and every count, so an interrupted campaign resumes at the batch
it was in.  Each failure is shrunk (``tncc.shrink``) to a minimal network
that fails the same way, written to ``OUT/<status>-b<batch>-<n>.tn`` with
the architecture, order, objective, lowering options, seed and the command
that reproduces it in its header.  The table at the end counts runs by
status and machine kind, how many runs took the large paths (streamed,
spilled, co-scheduled, forced options), and lists the failures.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

from tncc.differential import FAILURES, STATUSES, Case, Outcome, check, same_failure
from tncc.io import atomic_write_text


def _draw_batch(seed: int, size: int, max_kib: int, kinds: tuple[str, ...], max_statements: int,
                max_elements: int):
    """The ``size`` cases of one seeded batch (Hypothesis draws them into a
    body that only collects them; they are judged afterwards)."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed

    from tncc.testing import architectures, cases, large_networks

    drawn: list[Case] = []

    @hseed(seed)
    @settings(max_examples=size, phases=[Phase.generate], database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(cases(networks_=large_networks(max_statements=max_statements, max_elements=max_elements),
                 archs=architectures(kinds=kinds, max_kib=max_kib)))
    def collect(case: Case) -> None:
        drawn.append(case)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        collect()
    return drawn


def _header(case: Case, out: Outcome, original: Any, path: str) -> str:
    lines = [f"# {out.status}: {out.detail}",
             f"# arch {case.arch}", f"# order {case.order}  objective {case.objective or '(default)'}  "
             f"input seed {case.seed}",
             f"# lowering {case.lowering.text() if case.lowering is not None and case.lowering.text() else '(chosen)'}",
             f"# shrunk from {len(original.statements)} statements, {len(original.indices)} indices",
             "# reproduce:",
             f"#   tncc run {path} --arch '{case.arch}' --order {case.order} --seed {case.seed}"
             + (f" --objective {case.objective}" if case.objective else "")
             + (f" --lowering {case.lowering.text()}" if case.lowering is not None and case.lowering.text() else "")]
    return "\n".join(lines) + "\n"


def _save_failure(outdir: Path, batch: int, n: int, case: Case, out: Outcome, shrink_s: float,
                  max_macs: int) -> dict[str, Any]:
    from tncc.printer import to_source
    from tncc.shrink import shrink

    def fails(net: Any) -> bool:
        return same_failure(out, check(dataclasses.replace(case, network=net), max_macs))

    small = shrink(case.network, fails, shrink_s)
    path = outdir / f"{out.status}-b{batch}-{n}.tn"
    final = check(dataclasses.replace(case, network=small), max_macs)
    atomic_write_text(str(path), _header(case, final if final.failed else out, case.network, str(path))
                      + to_source(small))
    return {"file": str(path), "status": out.status, "detail": out.detail, "label": case.label(),
            "statements": len(small.statements), "batch": batch}


def _load_state(path: Path, seed: int) -> dict[str, Any]:
    if path.exists():
        state = json.loads(path.read_text(encoding="utf-8"))
        if state.get("seed") != seed:
            raise SystemExit(f"{path} is a campaign of seed {state.get('seed')}, not {seed}: use another --out")
        return state
    return {"seed": seed, "next_batch": 0, "runs": 0, "seconds": 0.0, "status": {}, "kind": {}, "paths": {},
            "failures": []}


def _record(state: dict[str, Any], case: Case, out: Outcome) -> None:
    state["runs"] += 1
    state["status"][out.status] = state["status"].get(out.status, 0) + 1
    key = f"{case.arch.split(':')[0]}/{out.status}"
    state["kind"][key] = state["kind"].get(key, 0) + 1
    paths = Counter()
    if out.status not in ("rejected", "skipped"):
        paths["streamed"] += out.streamed > 0
        paths["spilled"] += out.spilled > 0
        paths["co-scheduled"] += out.features.get("pairs", 0) > 0
        paths[">= 5000 instructions"] += out.instructions >= 5000
        for item in out.chosen.split(","):
            if item.endswith("=on") or (item.startswith("stage_share=") and item != "stage_share=2"):
                paths[f"chosen {item}"] += 1
    if case.lowering is not None:
        for k in case.lowering.forced():
            paths[f"forced {k}"] += 1
    for k, v in paths.items():
        state["paths"][k] = state["paths"].get(k, 0) + int(v)


def summary(state: dict[str, Any]) -> str:
    """The campaign's table."""
    lines = [f"campaign seed {state['seed']}: {state['next_batch']} batches, {state['runs']} runs, "
             f"{state['seconds']:.0f} s", "", f"{'status':<12}{'runs':>8}{'fetta':>8}{'systolic':>10}"]
    for s in STATUSES:
        lines.append(f"{s:<12}{state['status'].get(s, 0):>8}{state['kind'].get(f'fetta/{s}', 0):>8}"
                     f"{state['kind'].get(f'systolic/{s}', 0):>10}")
    lines += ["", f"{'large path (accepted runs)':<40}{'runs':>8}"]
    for k, v in sorted(state["paths"].items()):
        lines.append(f"{k:<40}{v:>8}")
    lines += ["", f"failures: {len(state['failures'])}"]
    for f in state["failures"]:
        lines.append(f"  {f['status']:<9} {f['file']} ({f['statements']} statements): {f['detail'][:120]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=None, help="campaign seed (default: the state file's, else 0)")
    ap.add_argument("--batches", type=int, default=20, help="batches to reach (default 20)")
    ap.add_argument("--batch-size", type=int, default=10)
    ap.add_argument("--minutes", type=float, default=None, help="stop after the batch that passes this")
    ap.add_argument("--out", default="fuzz-out", help="directory for the state file and the failures")
    ap.add_argument("--state", default=None, help="state file (default OUT/state.json)")
    ap.add_argument("--max-macs", type=int, default=20_000_000, help="skip plans with more MACs (emulation time)")
    ap.add_argument("--max-kib", type=int, default=1024, help="largest buffer drawn, KiB")
    ap.add_argument("--kinds", default="fetta,systolic")
    ap.add_argument("--max-statements", type=int, default=4, help="statements before gradients (default 4)")
    ap.add_argument("--max-elements", type=int, default=1 << 14, help="words of the largest tensor drawn")
    ap.add_argument("--shrink-seconds", type=float, default=300.0, help="time to shrink each failure")
    ap.add_argument("--summary", action="store_true", help="print the recorded table and stop")
    args = ap.parse_args(argv)
    outdir = Path(args.out)
    outdir.mkdir(parents=True, exist_ok=True)
    state_path = Path(args.state) if args.state else outdir / "state.json"
    if args.seed is None:
        args.seed = json.loads(state_path.read_text(encoding="utf-8"))["seed"] if state_path.exists() else 0
    state = _load_state(state_path, args.seed)
    if args.summary:
        print(summary(state))
        return 0
    # A batch is the same cases only under the same drawing parameters.
    params = {k: getattr(args, k) for k in ("batch_size", "max_macs", "max_kib", "kinds", "max_statements",
                                            "max_elements")}
    if state.setdefault("params", params) != params:
        raise SystemExit(f"{state_path} was drawn with {state['params']}; resume with the same options")
    t0 = time.monotonic()
    kinds = tuple(k for k in args.kinds.split(",") if k)
    while state["next_batch"] < args.batches:
        b = state["next_batch"]
        bt = time.monotonic()
        found = 0
        for case in _draw_batch(args.seed * 1_000_003 + b, args.batch_size, args.max_kib, kinds,
                                args.max_statements, args.max_elements):
            out = check(case, args.max_macs)
            _record(state, case, out)
            print(f"[b{b}] {out.status:<8} {out.seconds:6.1f}s {out.instructions:>6} ins  {case.label()}"
                  + (f"\n        {out.detail}" if out.status not in ("ok", "skipped") else ""), flush=True)
            if out.failed:
                state["failures"].append(_save_failure(outdir, b, found, case, out, args.shrink_seconds,
                                                       args.max_macs))
                found += 1
                print(f"        shrunk to {state['failures'][-1]['file']}", flush=True)
        state["next_batch"] = b + 1
        state["seconds"] += time.monotonic() - bt
        atomic_write_text(str(state_path), json.dumps(state, indent=1) + "\n")
        if args.minutes is not None and time.monotonic() - t0 > 60 * args.minutes:
            break
    print(summary(state))
    return 1 if any(state["status"].get(s) for s in FAILURES) else 0


if __name__ == "__main__":
    sys.exit(main())
