"""Arrow columns from numpy arrays: typed values with NULLs where data is missing."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa


def _mask(valid: np.ndarray | None) -> np.ndarray | None:
    return None if valid is None else ~np.asarray(valid, dtype=bool)


def timestamps(secs: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Epoch seconds (wall-clock) as TIMESTAMP(s)."""
    return pa.array(np.asarray(secs, dtype=np.int64).astype("datetime64[s]"), mask=_mask(valid))


def dates(days: np.ndarray) -> pa.Array:
    """datetime64[D] as DATE; NaT becomes NULL."""
    days = np.asarray(days, dtype="datetime64[D]")
    return pa.array(days, type=pa.date32(), mask=np.isnat(days))


def ints(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64), mask=_mask(valid))


def floats(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.float64), mask=_mask(valid))


def flags(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values, dtype=bool), mask=_mask(valid))


def labels(names: Sequence[str] | pa.Array, idx: np.ndarray) -> pa.Array:
    """names[idx], dictionary-encoded; a negative index is NULL."""
    idx = np.asarray(idx, dtype=np.int32)
    values = names if isinstance(names, pa.Array) else pa.array(names, type=pa.string())
    return pa.DictionaryArray.from_arrays(pa.array(idx, mask=idx < 0), values)


def ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """prefix + zero-padded number, e.g. ids("TK", [7], 8) -> "TK00000007"; negative -> NULL.

    Built digit by digit on whole arrays: a million ids take well under 0.1 s.
    """
    num = np.asarray(numbers, dtype=np.int64)
    if len(num) and num.max(initial=0) >= 10**width:
        raise ValueError(f"{prefix} numbers need more than {width} digits")
    valid = num >= 0
    num = np.where(valid, num, 0)
    head = np.frombuffer(prefix.encode(), dtype=np.uint8)
    size = len(head) + width
    text = np.empty((size, len(num)), dtype=np.uint8)  # one row per character position
    text[: len(head)] = head[:, None]
    for pos in range(size - 1, len(head) - 1, -1):
        num, digit = np.divmod(num, 10)
        text[pos] = digit + 48
    offsets = np.arange(0, len(num) * size + 1, size, dtype=np.int32)
    bitmap = None if valid.all() else pa.py_buffer(np.packbits(valid, bitorder="little"))
    data = pa.py_buffer(np.ascontiguousarray(text.T))
    return pa.StringArray.from_buffers(len(num), pa.py_buffer(offsets), data, bitmap)


def width(count: int, minimum: int) -> int:
    """Digits needed to number `count` records, at least `minimum`."""
    return max(minimum, len(str(max(count, 1))))


PRIORITIES = ("urgent", "high", "normal")


def spread_priorities(numbers: np.ndarray) -> np.ndarray:
    """A fixed spread of priorities over record numbers, drawing no random numbers (other columns stay as they
    were): 5 % urgent, 20 % high, 70 % normal, 5 % not set (-1)."""
    pick = (np.asarray(numbers, dtype=np.int64) * 7919) % 100
    return np.select([pick < 5, pick < 25, pick < 95], [0, 1, 2], default=-1)
