"""collabml: Sharing Updatable Models (SUM) on Ethereum.

The numpy core (``fixedpoint``, ``models``, ``incentives``, ``encoding``, ``data``)
never imports ape; ``collabml.chain`` is the one adapter that talks to a chain.
"""

__version__ = "0.1.0"
