"""Reading user-supplied input arrays (``--inputs IN.npz``) and checking them
against a network before any compilation or emulation starts.

Arrays are named as in the ``.tn`` file: inputs, params, and ``d_<y>`` for
the upstream gradients of ``grad``.  :func:`check_inputs` reports every
problem at once -- unknown names, missing tensors, wrong shapes, values of
the wrong kind (floats for an int8 network, values outside int8) -- so a
user fixes the file in one go.
"""

from __future__ import annotations

import zipfile
from typing import Mapping

import numpy as np

from tncc.errors import Diagnostic, TnccError
from tncc.io import read_bytes
from tncc.ir import DType, Network


def load_inputs(path: str) -> dict[str, np.ndarray]:
    """The arrays of the ``.npz`` archive at ``path``, by name (a bare
    ``.npy`` array has no name and is rejected)."""
    import io

    data = read_bytes(path)
    try:
        archive = np.load(io.BytesIO(data), allow_pickle=False)
        if isinstance(archive, np.ndarray):
            raise TnccError(f"{path}: expected a .npz archive of named arrays, got a single .npy array")
        with archive:
            return {name: np.asarray(archive[name]) for name in archive.files}
    except TnccError:
        raise
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise TnccError(f"{path}: not a readable .npz archive of arrays ({exc})") from None


def check_inputs(net: Network, inputs: Mapping[str, np.ndarray], *, where: str = "--inputs",
                 require_all: bool = True) -> None:
    """Raise one :class:`TnccError` listing every mismatch between ``inputs``
    and the leaves of ``net`` (see the module doc).  With ``require_all``
    every leaf must be given."""
    leaves = {t.name: t for t in net.leaves()}
    diags: list[Diagnostic] = []
    for name in sorted(set(inputs) - set(leaves)):
        diags.append(Diagnostic(f"no input or param named `{name}` in network {net.name} "
                                f"(its leaves: {', '.join(leaves) or 'none'})", where=where))
    if require_all:
        for name in leaves:
            if name not in inputs:
                shape = net.shape(name)
                diags.append(Diagnostic(f"missing `{name}` (shape {shape} {net.dtype.value})", where=where))
    for name, value in inputs.items():
        if name not in leaves:
            continue
        arr = np.asarray(value)
        shape = net.shape(name)
        expect = f"`{name}` expects shape {shape} {net.dtype.value}"
        if tuple(arr.shape) != shape:
            diags.append(Diagnostic(f"{expect}, got shape {tuple(arr.shape)}", where=where))
            continue
        if net.dtype.is_int:
            if arr.dtype.kind not in "iub":
                diags.append(Diagnostic(f"{expect}, got {arr.dtype} values (integers needed)", where=where))
            elif net.dtype is DType.INT8 and arr.size and (int(arr.min()) < -128 or int(arr.max()) > 127):
                diags.append(Diagnostic(f"{expect}, got values outside -128..127", where=where))
        elif arr.dtype.kind not in "fiub":
            diags.append(Diagnostic(f"{expect}, got {arr.dtype} values", where=where))
    if diags:
        raise TnccError(diags)
