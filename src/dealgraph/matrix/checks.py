"""Checks on the matrices and vectors the matrix functions take: one message per kind of mistake."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .._errors import MatrixError

__all__ = ["entry_rows", "sparse_square", "square_matrix", "vector"]


def square_matrix(M, name: str, *, infinite: str | None = None) -> np.ndarray:
    """``M`` (array-like or sparse) as a dense float copy, checked square, without NaN and non-negative.

    Infinite entries are refused with ``infinite`` as the hint (a message saying what to give instead).

    >>> square_matrix([[0, 1], [2, 0]], "W").tolist()
    [[0.0, 1.0], [2.0, 0.0]]
    >>> square_matrix([[0, -1], [2, 0]], "W")
    Traceback (most recent call last):
    ...
    dealgraph._errors.MatrixError: W has negative entries; W[i, j] is the amount i pays j and must be >= 0
    """
    try:
        A = M.toarray().astype(float) if sp.issparse(M) else np.array(M, dtype=float)
    except (TypeError, ValueError):
        raise MatrixError(f"{name} must be a square matrix of numbers (rows of equal length)") from None
    _check_entries(A, name, infinite)
    return A


def _check_entries(A, name: str, infinite: str | None = None) -> None:
    """The square shape and the entries (``A.data`` of a sparse matrix) of a matrix of amounts."""
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise MatrixError(f"{name} must be a square matrix, got shape {A.shape}")
    values = A.data if sp.issparse(A) else A
    if np.isnan(values).any():
        raise MatrixError(f"{name} has NaN entries; give unknown amounts as 0 (left out)")
    if (values < 0).any():
        raise MatrixError(f"{name} has negative entries; {name}[i, j] is the amount i pays j and must be >= 0")
    if np.isinf(values).any():
        raise MatrixError(f"{name} has infinite entries" + (f"; {infinite}" if infinite else ""))


def sparse_square(M, name: str) -> sp.csr_matrix:
    """``M`` (array-like or sparse) as a CSR float copy with its diagonal dropped, checked as :func:`square_matrix`.

    >>> sparse_square([[5, 1], [2, 0]], "L").toarray().tolist()
    [[0.0, 1.0], [2.0, 0.0]]
    """
    if not sp.issparse(M):
        M = square_matrix(M, name)
    A = sp.csr_matrix(M, dtype=float, copy=True)
    _check_entries(A, name)
    A.data[A.indices == entry_rows(A)] = 0.0  # the diagonal, without scipy's slow setdiag
    A.eliminate_zeros()
    return A


def entry_rows(A: sp.csr_matrix) -> np.ndarray:
    """The row of each stored entry of a CSR matrix."""
    return np.repeat(np.arange(A.shape[0]), np.diff(A.indptr))


def vector(v, n: int, name: str, *, default: float = 0.0, nonnegative: bool = True) -> np.ndarray:
    """``v`` as ``n`` finite floats (a scalar is repeated; ``None`` gives ``default``)."""
    try:
        out = np.full(n, default, dtype=float) if v is None else np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy()
    except (TypeError, ValueError):
        raise MatrixError(f"{name} must be {n} numbers") from None
    if not np.isfinite(out).all() or (nonnegative and (out < 0).any()):
        raise MatrixError(f"{name} must be {n} finite{' non-negative' if nonnegative else ''} numbers")
    return out
