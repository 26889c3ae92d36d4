"""The simulated world: chains, protocols and airdrops, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ChainSpec:
    name: str
    native: str
    #: Typical gas price, gwei; the market walks around it.
    gas_gwei: float
    #: Hourly volatility of log gas price.
    gas_vol: float
    #: Seconds from sending a transaction to its receipt.
    block_time: float
    #: Chance that a send fails at the RPC (no transaction).
    rpc_error_rate: float
    #: Native coin each wallet starts with, for gas.
    native_per_wallet: float
    #: Stablecoin (USDC) each wallet starts with on this chain.
    cash_per_wallet: float


@dataclass(frozen=True)
class ProtocolSpec:
    name: str
    chain: str
    kind: str  # "swap", "bridge" or "lend"
    #: Gas used by action: (mean, standard deviation).
    gas: dict[str, tuple[int, int]]
    #: Chance a mined transaction reverts (slippage, stale quote...).
    revert_rate: float
    apy: float = 0.0
    #: Smallest position per wallet worth holding (lending protocols), USD.
    min_deposit_usd: float = 0.0
    airdrop: str | None = None


@dataclass(frozen=True)
class AirdropSpec:
    id: str
    protocol: str
    token: str
    #: When eligibility is measured and when claiming opens, as fractions of the simulated period.
    snapshot_at: float
    opens_at: float
    window_days: float
    list_price_usd: float
    #: Hourly log-price drift (airdrop tokens tend to sell off) and volatility after listing.
    price_drift: float
    price_vol: float
    #: Points: 100 per interaction before the snapshot, plus USD-days deposited / 10.
    tokens_per_point: float
    min_interactions: int = 0
    min_usd_days: float = 0.0
    #: Share of otherwise eligible wallets the project filters out as sybils.
    sybil_rate: float = 0.1
    #: The bot's estimate of what one wallet will receive, USD (drives capital allocation).
    expected_usd_per_wallet: float = 0.0


@dataclass(frozen=True)
class World:
    chains: dict[str, ChainSpec]
    protocols: dict[str, ProtocolSpec]
    airdrops: dict[str, AirdropSpec]
    #: Starting USD prices of the native coins, and their hourly log volatility.
    native_prices: dict[str, tuple[float, float]] = field(default_factory=dict)


def default_world() -> World:
    """Seven protocols on four chains, four airdrops."""
    chains = [
        ChainSpec("ethereum", "ETH", 18.0, 0.22, 12.0, 0.01, 0.30, 1_000.0),
        ChainSpec("arbitrum", "ETH", 0.02, 0.12, 2.0, 0.01, 0.02, 2_000.0),
        ChainSpec("base", "ETH", 0.012, 0.12, 2.0, 0.008, 0.02, 1_700.0),
        ChainSpec("polygon", "POL", 45.0, 0.2, 2.0, 0.02, 40.0, 300.0),
    ]
    lend_gas = {"lend": (210_000, 25_000), "withdraw": (170_000, 20_000)}
    protocols = [
        ProtocolSpec("uniswap", "ethereum", "swap", {"swap": (150_000, 20_000)}, 0.02),
        ProtocolSpec("quickswap", "polygon", "swap", {"swap": (140_000, 20_000)}, 0.04, airdrop="quickswap-s1"),
        ProtocolSpec("aerodrome", "base", "swap", {"swap": (160_000, 25_000)}, 0.03, airdrop="aerodrome-s1"),
        ProtocolSpec("stargate", "arbitrum", "bridge", {"bridge": (280_000, 40_000)}, 0.03, airdrop="stargate-s2"),
        ProtocolSpec("aave", "arbitrum", "lend", lend_gas, 0.01, apy=0.04, min_deposit_usd=500.0),
        ProtocolSpec("morpho", "base", "lend", lend_gas, 0.015, apy=0.05, min_deposit_usd=500.0, airdrop="morpho-s1"),
        ProtocolSpec("compound", "ethereum", "lend", lend_gas, 0.01, apy=0.035, min_deposit_usd=500.0),
    ]
    airdrops = [
        AirdropSpec(
            "stargate-s2",
            "stargate",
            "STGX",
            0.30,
            0.35,
            6,
            0.60,
            -0.0015,
            0.03,
            0.5,
            min_interactions=2,
            expected_usd_per_wallet=60,
        ),
        AirdropSpec(
            "aerodrome-s1",
            "aerodrome",
            "AEROX",
            0.45,
            0.50,
            6,
            1.20,
            -0.001,
            0.025,
            0.2,
            min_interactions=3,
            expected_usd_per_wallet=50,
        ),
        AirdropSpec(
            "morpho-s1",
            "morpho",
            "MRPHX",
            0.60,
            0.65,
            7,
            1.50,
            -0.0008,
            0.02,
            0.01,
            min_usd_days=3_000,
            sybil_rate=0.05,
            expected_usd_per_wallet=120,
        ),
        AirdropSpec(
            "quickswap-s1",
            "quickswap",
            "QSX",
            0.80,
            0.85,
            5,
            0.05,
            -0.002,
            0.035,
            4.0,
            min_interactions=2,
            sybil_rate=0.15,
            expected_usd_per_wallet=30,
        ),
    ]
    return World(
        chains={c.name: c for c in chains},
        protocols={p.name: p for p in protocols},
        airdrops={a.id: a for a in airdrops},
        native_prices={"ETH": (3_000.0, 0.007), "POL": (0.50, 0.010)},
    )
