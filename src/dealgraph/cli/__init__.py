"""The command line: a thin shell over the library.

Lives here: the ``dealgraph`` click group with the options every command shares and the
deal-ledger commands (``main``), and the transaction-size commands (``transactions``).
It reads options, calls the library, and writes data to stdout and messages to stderr;
it computes nothing itself.

May import: every other part of dealgraph.
"""

from .main import cli, main

__all__ = ["cli", "main"]
