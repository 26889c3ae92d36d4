# pragma version ~=0.4.3
"""
@title LendingVault
@notice Deposit an ERC-20 for shares; shares are worth `index / 1e18` of the
        asset each. The owner bumps the index to simulate interest, and keeps
        enough asset in the vault to pay it.
"""

from ethereum.ercs import IERC20

event Deposit:
    owner: indexed(address)
    assets: uint256
    shares: uint256

event Withdraw:
    owner: indexed(address)
    assets: uint256
    shares: uint256

event IndexBumped:
    index: uint256

ONE: constant(uint256) = 10**18
BPS: constant(uint256) = 10_000

asset: public(IERC20)
owner: public(address)
index: public(uint256)
totalShares: public(uint256)
shares: public(HashMap[address, uint256])


@deploy
def __init__(asset: IERC20):
    self.asset = asset
    self.owner = msg.sender
    self.index = ONE


@external
def deposit(assets: uint256) -> uint256:
    assert assets > 0, "zero amount"
    minted: uint256 = assets * ONE // self.index
    assert minted > 0, "zero shares"
    self.shares[msg.sender] += minted
    self.totalShares += minted
    assert extcall self.asset.transferFrom(msg.sender, self, assets), "transfer failed"
    log Deposit(owner=msg.sender, assets=assets, shares=minted)
    return minted


@external
def withdraw(amount_shares: uint256) -> uint256:
    assert amount_shares > 0, "zero amount"
    held: uint256 = self.shares[msg.sender]
    assert held >= amount_shares, "insufficient shares"
    assets: uint256 = amount_shares * self.index // ONE
    self.shares[msg.sender] = held - amount_shares
    self.totalShares -= amount_shares
    assert extcall self.asset.transfer(msg.sender, assets), "transfer failed"
    log Withdraw(owner=msg.sender, assets=assets, shares=amount_shares)
    return assets


@view
@external
def assets_of(account: address) -> uint256:
    return self.shares[account] * self.index // ONE


@external
def bump_index(rate_bps: uint256):
    assert msg.sender == self.owner, "not owner"
    self.index = self.index * (BPS + rate_bps) // BPS
    log IndexBumped(index=self.index)
