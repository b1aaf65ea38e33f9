"""Customer contacts that later records refer to: surveys and complaints follow them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa


@dataclass(frozen=True)
class Contacts:
    kind: str  # call, ticket, complaint, callback
    ids: pa.Array  # the contact's own id
    customer: np.ndarray  # customer index, -1 = unknown
    agent: np.ndarray  # roster index, -1 = none
    at: np.ndarray  # epoch seconds when the contact ended

    def __len__(self) -> int:
        return len(self.at)

    def take(self, mask: np.ndarray) -> Contacts:
        idx = np.flatnonzero(mask)
        return Contacts(self.kind, self.ids.take(pa.array(idx)), self.customer[idx], self.agent[idx], self.at[idx])


def concat(parts: list[Contacts]) -> Contacts:
    """Contacts of one kind gathered over several batches (e.g. months)."""
    return Contacts(
        kind=parts[0].kind,
        ids=pa.concat_arrays([p.ids for p in parts]),
        customer=np.concatenate([p.customer for p in parts]),
        agent=np.concatenate([p.agent for p in parts]),
        at=np.concatenate([p.at for p in parts]),
    )
