# pragma version ~=0.4.3
"""
@title SwapPool
@notice Constant-product pool between two ERC-20s (the Uniswap v2 formula),
        with a fee in basis points taken from the input. The owner seeds liquidity.
"""

from ethereum.ercs import IERC20

event Swap:
    sender: indexed(address)
    token_in: indexed(address)
    amount_in: uint256
    amount_out: uint256

event LiquidityAdded:
    amount0: uint256
    amount1: uint256

BPS: constant(uint256) = 10_000

token0: public(IERC20)
token1: public(IERC20)
reserve0: public(uint256)
reserve1: public(uint256)
fee_bps: public(uint256)
owner: public(address)


@deploy
def __init__(token0: IERC20, token1: IERC20, fee_bps: uint256):
    assert token0 != token1, "same token"
    assert fee_bps < BPS, "fee too high"
    self.token0 = token0
    self.token1 = token1
    self.fee_bps = fee_bps
    self.owner = msg.sender


@external
def add_liquidity(amount0: uint256, amount1: uint256):
    assert msg.sender == self.owner, "not owner"
    assert extcall self.token0.transferFrom(msg.sender, self, amount0), "transfer failed"
    assert extcall self.token1.transferFrom(msg.sender, self, amount1), "transfer failed"
    self.reserve0 += amount0
    self.reserve1 += amount1
    log LiquidityAdded(amount0=amount0, amount1=amount1)


@view
@external
def get_amount_out(token_in: address, amount_in: uint256) -> uint256:
    reserve_in: uint256 = 0
    reserve_out: uint256 = 0
    reserve_in, reserve_out = self._reserves(token_in)
    return self._amount_out(amount_in, reserve_in, reserve_out)


@external
def swap(token_in: address, amount_in: uint256, min_out: uint256) -> uint256:
    assert amount_in > 0, "zero amount"
    reserve_in: uint256 = 0
    reserve_out: uint256 = 0
    reserve_in, reserve_out = self._reserves(token_in)
    amount_out: uint256 = self._amount_out(amount_in, reserve_in, reserve_out)
    assert amount_out > 0, "insufficient liquidity"
    assert amount_out >= min_out, "slippage"

    token_out: IERC20 = self.token1
    if token_in == self.token1.address:
        token_out = self.token0
        self.reserve1 = reserve_in + amount_in
        self.reserve0 = reserve_out - amount_out
    else:
        self.reserve0 = reserve_in + amount_in
        self.reserve1 = reserve_out - amount_out

    assert extcall IERC20(token_in).transferFrom(msg.sender, self, amount_in), "transfer failed"
    assert extcall token_out.transfer(msg.sender, amount_out), "transfer failed"
    log Swap(sender=msg.sender, token_in=token_in, amount_in=amount_in, amount_out=amount_out)
    return amount_out


@view
@internal
def _reserves(token_in: address) -> (uint256, uint256):
    if token_in == self.token0.address:
        return self.reserve0, self.reserve1
    assert token_in == self.token1.address, "unknown token"
    return self.reserve1, self.reserve0


@view
@internal
def _amount_out(amount_in: uint256, reserve_in: uint256, reserve_out: uint256) -> uint256:
    amount_in_with_fee: uint256 = amount_in * (BPS - self.fee_bps)
    return amount_in_with_fee * reserve_out // (reserve_in * BPS + amount_in_with_fee)
