"""The emulator of the tncc machine (installed as ``tncc.runtime``).

``load(path_or_bytes) -> Program``, ``Emulator(program, arch)``,
``Emulator.run(inputs, seed, step_limit, trace) -> Result`` with
``outputs`` (by symbol name), ``report`` (``.to_dict()``, ``.to_json()``,
``.format()``) and ``trace`` (Chrome trace events or None).
"""

from tncc.runtime.emulator import DEFAULT_STEP_LIMIT, Emulator, Result, load
from tncc.runtime.report import Report

__all__ = ["DEFAULT_STEP_LIMIT", "Emulator", "Report", "Result", "load"]
