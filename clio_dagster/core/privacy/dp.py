"""Optional differential privacy on public counts (OpenDP): contribution bounds, noisy counts,
noisy-threshold node selection.

Accounting, per partition with budget (epsilon, delta):
- each user keeps at most ``max_conversations_per_user`` (l) conversations, picked by a keyed
  hash, so adding or removing one user changes at most l conversations;
- at each depth of the hierarchy the nodes partition the conversations, so one user touches at
  most l nodes there, changing each node's conversation count by at most l and its distinct
  users by at most 1 (OpenDP's L0/L1/Linf bound (l, l, l) and (l, l, 1));
- per depth, two threshold releases (conversations, distinct users) via
  ``make_laplace_threshold``: a node is published only if both noisy values clear the public
  thresholds (and the delta threshold), so a node of one or two users is dropped with
  probability at least 1 - delta;
- one Laplace release of the partition total;
- sequential composition: each of the 2·levels + 1 releases gets epsilon / (2·levels + 1), each
  threshold release delta / (2·levels).
This protects the counts and the choice of nodes given the hierarchy; the hierarchy's text is
protected by the thresholds, the scanner and the auditor, not by DP.

Determinism: OpenDP samples from the OS's secure RNG, so two runs differ. With a
``noise_secret``, noise is instead drawn from HMAC-SHA256(secret, partition, node, statistic):
the same partition gives the same noise on every re-run (byte-identical outputs), and re-running
a partition cannot be used to average the noise away. The privacy guarantee then rests on the
secret staying secret (HMAC as a pseudo-random function); the sampler is the exact two-geometric
construction of the discrete Laplace with a 53-bit uniform, so it matches OpenDP's distribution
up to floating-point resolution of the uniform.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import math
import struct
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class DPConfig:
    """Budget and bounds for one partition."""

    epsilon: float
    delta: float = 1e-6
    max_conversations_per_user: int = 5
    noise_secret: bytes | None = None  # set: deterministic keyed noise; None: OpenDP's CSPRNG


@dataclass(frozen=True)
class DPPlan:
    """Noise scale, thresholds and the spent budget, derived from a config and the depth."""

    levels: int
    scale: float  # discrete Laplace scale of every release
    epsilon_per_release: float
    delta_per_release: float
    conversations_threshold: int  # noisy conversation counts below this are withheld
    users_threshold: int  # noisy distinct-user counts below this are withheld
    epsilon_spent: float
    delta_spent: float


@dataclass(frozen=True)
class NodeCounts:
    conversation_count: int
    unique_users: int


def _opendp():
    import opendp.prelude as dp

    dp.enable_features("contrib")
    return dp


def bound_contributions(rows: pl.DataFrame, max_per_user: int, *, key: bytes = b"") -> pl.DataFrame:
    """Keep at most ``max_per_user`` rows per ``user_id``, chosen by a keyed hash of
    ``conversation_id`` (deterministic, independent of row order)."""
    rank_key = pl.col("conversation_id").map_elements(
        lambda cid: hashlib.blake2b(cid.encode(), key=key[:64], digest_size=8).hexdigest(),
        return_dtype=pl.Utf8,
    )
    return (
        rows.with_columns(_rank_key=rank_key)
        .filter(pl.col("_rank_key").rank("ordinal").over("user_id") <= max_per_user)
        .drop("_rank_key")
    )


def node_counts(
    rows: pl.DataFrame,
) -> tuple[dict[str, NodeCounts], dict[str, int], dict[str, str | None]]:
    """Counts, depths and parents of every node from rows of (conversation_id, user_id,
    node_path) — the bounded assignments joined with user ids; null paths are skipped."""
    exploded = (
        rows.filter(pl.col("node_path").is_not_null())
        .with_columns(depth=pl.int_ranges(pl.col("node_path").list.len()))
        .explode("node_path", "depth")
    )
    grouped = exploded.group_by("node_path").agg(
        pl.col("conversation_id").n_unique().alias("conversations"),
        pl.col("user_id").n_unique().alias("users"),
        pl.col("depth").first(),
    )
    counts = {
        r["node_path"]: NodeCounts(r["conversations"], r["users"]) for r in grouped.iter_rows(named=True)
    }
    depths = {r["node_path"]: r["depth"] for r in grouped.iter_rows(named=True)}
    parents: dict[str, str | None] = {}
    for path in rows["node_path"].drop_nulls().unique().to_list():
        for depth, node in enumerate(path):
            parents[node] = path[depth - 1] if depth else None
    return counts, depths, parents


@functools.lru_cache(maxsize=64)  # the threshold search takes seconds; plans are pure
def plan_release(config: DPConfig, *, levels: int, min_unique_users: int, min_conversations: int) -> DPPlan:
    """Scale and thresholds so that the whole release of one partition is (epsilon, delta)-DP."""
    dp = _opendp()
    releases = 2 * levels + 1
    eps_each = config.epsilon / releases
    delta_each = config.delta / (2 * levels)
    bound = config.max_conversations_per_user
    scale = bound / eps_each  # L1 sensitivity l of every release
    d_convs, d_users = (bound, bound, bound), (bound, bound, 1)

    def threshold_for(d_in: tuple[int, int, int], floor: int) -> tuple[int, float, float]:
        def measurement(threshold: int):
            return dp.m.make_laplace_threshold(
                dp.map_domain(dp.atom_domain(T=str), dp.atom_domain(T=int)),
                dp.l01inf_distance(dp.absolute_distance(T=int)),
                scale=scale,
                threshold=threshold,
            )

        threshold = dp.binary_search(lambda t: measurement(t).map(d_in)[1] <= delta_each, T=int)
        threshold = max(threshold, floor)
        eps, delta = measurement(threshold).map(d_in)
        return threshold, eps, delta

    t_convs, eps_c, delta_c = threshold_for(d_convs, min_conversations)
    t_users, eps_u, delta_u = threshold_for(d_users, min_unique_users)
    total = dp.m.make_laplace(dp.atom_domain(T=int), dp.absolute_distance(T=int), scale=scale)
    eps_total = total.map(bound)
    return DPPlan(
        levels=levels,
        scale=scale,
        epsilon_per_release=eps_each,
        delta_per_release=delta_each,
        conversations_threshold=t_convs,
        users_threshold=t_users,
        epsilon_spent=levels * (eps_c + eps_u) + eps_total,
        delta_spent=levels * (delta_c + delta_u),
    )


def error_bound(plan: DPPlan, alpha: float = 0.05) -> float:
    """Half-width of the (1 - alpha) interval of the noise on any released count."""
    return _opendp().discrete_laplacian_scale_to_accuracy(plan.scale, alpha)


def release_counts(
    counts: Mapping[str, NodeCounts],
    depths: Mapping[str, int],
    parents: Mapping[str, str | None],
    total: int,
    plan: DPPlan,
    config: DPConfig,
    *,
    partition: str,
) -> tuple[dict[str, NodeCounts], int]:
    """Noisy counts of the nodes that pass the noisy thresholds, and the noisy total.

    ``counts`` must come from contribution-bounded data. A node whose parent was withheld is
    withheld too (post-processing, no extra budget).
    """
    released: dict[str, NodeCounts] = {}
    for depth in sorted(set(depths.values())):
        level = [node for node in counts if depths[node] == depth]
        convs = _threshold_release(
            {n: counts[n].conversation_count for n in level},
            plan.scale,
            plan.conversations_threshold,
            config,
            f"{partition}|convs",
        )
        users = _threshold_release(
            {n: counts[n].unique_users for n in level},
            plan.scale,
            plan.users_threshold,
            config,
            f"{partition}|users",
        )
        for node in level:
            parent = parents.get(node)
            if node in convs and node in users and (parent is None or parent in released):
                released[node] = NodeCounts(convs[node], users[node])
    noisy_total = max(0, total + _noise(plan.scale, config, f"{partition}|total"))
    return released, noisy_total


def _threshold_release(
    values: Mapping[str, int], scale: float, threshold: int, config: DPConfig, label: str
) -> dict[str, int]:
    if config.noise_secret is None:
        dp = _opendp()
        measurement = dp.m.make_laplace_threshold(
            dp.map_domain(dp.atom_domain(T=str), dp.atom_domain(T=int)),
            dp.l01inf_distance(dp.absolute_distance(T=int)),
            scale=scale,
            threshold=threshold,
        )
        return dict(measurement(dict(values))) if values else {}
    noisy = {key: value + _noise(scale, config, f"{label}|{key}") for key, value in values.items()}
    return {key: value for key, value in noisy.items() if value >= threshold}


def _noise(scale: float, config: DPConfig, label: str) -> int:
    """One discrete Laplace draw: OpenDP's sampler, or keyed by (secret, label)."""
    if config.noise_secret is None:
        dp = _opendp()
        return dp.m.make_laplace(dp.atom_domain(T=int), dp.absolute_distance(T=int), scale=scale)(0)
    stream = _KeyedUniforms(config.noise_secret, label)
    # X = G1 - G2 with Gi geometric(1 - exp(-1/scale)) has P(X = k) ∝ exp(-|k| / scale)
    g1 = math.floor(-scale * math.log(stream.next()))
    g2 = math.floor(-scale * math.log(stream.next()))
    return g1 - g2


class _KeyedUniforms:
    """Uniforms in (0, 1] from HMAC-SHA256(secret, label || counter)."""

    def __init__(self, secret: bytes, label: str) -> None:
        self._secret, self._label, self._counter = secret, label.encode(), 0

    def next(self) -> float:
        digest = hmac.new(self._secret, self._label + struct.pack(">Q", self._counter), "sha256").digest()
        self._counter += 1
        return ((int.from_bytes(digest[:8], "big") >> 11) + 1) / 2.0**53
