"""tncc: a compiler from tensor-network programs to a FETTA-style accelerator.

The public API grows with the pipeline; see README.md for a tour.
"""

__version__ = "0.1.0"
