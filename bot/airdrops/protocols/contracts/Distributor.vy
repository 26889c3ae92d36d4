# pragma version ~=0.4.3
"""
@title Distributor
@notice Airdrop distributor: the owner sets how much each wallet may claim, and
        each eligible wallet claims once. Holds the airdrop token it pays out.
"""

from ethereum.ercs import IERC20

event EligibilitySet:
    wallet: indexed(address)
    amount: uint256

event Claimed:
    wallet: indexed(address)
    amount: uint256

MAX_BATCH: constant(uint256) = 256

token: public(IERC20)
owner: public(address)
eligible: public(HashMap[address, uint256])
claimed: public(HashMap[address, bool])


@deploy
def __init__(token: IERC20):
    self.token = token
    self.owner = msg.sender


@external
def set_eligibility(wallets: DynArray[address, MAX_BATCH], amounts: DynArray[uint256, MAX_BATCH]):
    assert msg.sender == self.owner, "not owner"
    assert len(wallets) == len(amounts), "length mismatch"
    for i: uint256 in range(len(wallets), bound=MAX_BATCH):
        self.eligible[wallets[i]] = amounts[i]
        log EligibilitySet(wallet=wallets[i], amount=amounts[i])


@external
def claim() -> uint256:
    assert not self.claimed[msg.sender], "already claimed"
    amount: uint256 = self.eligible[msg.sender]
    assert amount > 0, "not eligible"
    self.claimed[msg.sender] = True
    assert extcall self.token.transfer(msg.sender, amount), "transfer failed"
    log Claimed(wallet=msg.sender, amount=amount)
    return amount
