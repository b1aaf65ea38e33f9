"""Independent, reproducible random streams: one per source (and month)."""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str, *parts: int) -> np.random.Generator:
    """A generator that depends only on the seed, the stream name and the parts.

    Separate streams keep sources independent: changing how one source is drawn
    never shifts the numbers of another.
    """
    return np.random.default_rng([seed, zlib.crc32(name.encode()), *parts])
