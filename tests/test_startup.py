"""What a MAC-only plan loads: neither OR-Tools, numpy nor cotengra.

`tncc plan --objective macs` on a tensorized layer must start about as fast
as a Python process that runs opt_einsum's dp (``bench/csse.py --only
startup`` measures it); the heavy libraries it would load on the way are
the whole difference.  This holds the lazy imports in place: a module-level
import of any of them anywhere on the planning path makes it fail, naming
the library.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("numpy", "ortools", "cotengra", "dask", "distributed")
#: tncc's own modules a plan without a machine never needs: the machine's
#: cost model and what it imports (the tiler, the ISA's timing)
MACHINE = ("tncc.passes.order.hardware", "tncc.isa.model", "tncc.passes.tile")

PROBE = """
import io, json, sys
from contextlib import redirect_stdout
from tncc.cli import main
buf = io.StringIO()
with redirect_stdout(buf):
    code = main(["plan", sys.argv[1], "--objective", "macs", "--json"])
plan = json.loads(buf.getvalue())
print(json.dumps({"code": code, "keys": sorted(plan),
                  "loaded": sorted(m for m in sys.modules if m.split(".")[0] in %r),
                  "machine": sorted(m for m in sys.modules if m in %r)}))
""" % (HEAVY, MACHINE)


def test_a_mac_only_plan_loads_no_heavy_library() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE, str(ROOT / "examples" / "tt_linear.tn")],
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["code"] in (0, None) and report["keys"], report
    roots = sorted({m.split(".")[0] for m in report["loaded"]})
    assert roots == [], f"tncc plan --objective macs loaded {roots}"
    assert report["machine"] == [], f"tncc plan --objective macs loaded the machine model: {report['machine']}"
