"""Fast seeded draws; ``random.choice``/``choices`` dominate the generator's profile otherwise."""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from typing import TypeVar

Item = TypeVar("Item")


def pick(rng: random.Random, items: Sequence[Item]) -> Item:
    """One item, uniformly."""
    return items[int(rng.random() * len(items))]


def weighted(rng: random.Random, items: Sequence[Item], cum_weights: Sequence[float]) -> Item:
    """One item, with probability proportional to its weight (``cum_weights`` are running totals)."""
    return items[bisect(cum_weights, rng.random() * cum_weights[-1])]
