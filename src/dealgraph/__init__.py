"""dealgraph: find the money that goes round."""
from ._ledger import Ledger, read_ledger, seed_ledger
