"""Exceptions raised by the protocol layer."""


class ChainUnavailable(RuntimeError):
    """The chain's RPC endpoint could not be reached (connection refused, timeout, HTTP error).

    On-chain failures (reverts, already claimed) are not exceptions: adapters report them
    in `TxOutcome`. This one means nothing could be asked of the chain at all.
    """


class AnvilNotFound(RuntimeError):
    """No anvil binary, and it could not be installed."""
