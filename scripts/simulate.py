"""`ape run simulate drt|points|market`: the economic simulations on the bit-exact mirrors.

The same commands as `collabml simulate` (see `ape run simulate --help`); they need no chain and
connect to none.
"""

from collabml.cli import simulate as cli

__all__ = ["cli"]
