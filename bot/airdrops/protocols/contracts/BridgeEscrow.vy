# pragma version ~=0.4.3
"""
@title BridgeEscrow
@notice Source side of a lock-and-release bridge: a wallet locks an ERC-20 for
        a destination chain id, and an off-chain relayer (the owner) releases.
        The bridge keeps a fee in basis points of what is sent.
"""

from ethereum.ercs import IERC20

event Locked:
    sender: indexed(address)
    token: indexed(address)
    dest_chain_id: indexed(uint256)
    amount: uint256
    fee: uint256
    nonce: uint256

event Released:
    receiver: indexed(address)
    token: indexed(address)
    amount: uint256

BPS: constant(uint256) = 10_000

owner: public(address)
nonce: public(uint256)
fee_bps: public(uint256)
locked: public(HashMap[address, uint256])
fees: public(HashMap[address, uint256])


@deploy
def __init__(fee_bps: uint256):
    assert fee_bps < BPS, "fee too high"
    self.owner = msg.sender
    self.fee_bps = fee_bps


@external
def lock(token: IERC20, amount: uint256, dest_chain_id: uint256) -> uint256:
    assert amount > 0, "zero amount"
    assert dest_chain_id != chain.id, "same chain"
    fee: uint256 = amount * self.fee_bps // BPS
    n: uint256 = self.nonce
    self.nonce = n + 1
    self.locked[token.address] += amount - fee
    self.fees[token.address] += fee
    assert extcall token.transferFrom(msg.sender, self, amount), "transfer failed"
    log Locked(sender=msg.sender, token=token.address, dest_chain_id=dest_chain_id, amount=amount - fee, fee=fee,
               nonce=n)
    return n


@external
def release(token: IERC20, receiver: address, amount: uint256):
    assert msg.sender == self.owner, "not owner"
    assert self.locked[token.address] >= amount, "insufficient locked"
    self.locked[token.address] -= amount
    assert extcall token.transfer(receiver, amount), "transfer failed"
    log Released(receiver=receiver, token=token.address, amount=amount)
