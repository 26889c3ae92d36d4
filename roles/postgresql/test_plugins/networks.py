"""The `world_open` test: whether an allowed-clients entry lets in the internet at large (the preflight refuses it)."""

from __future__ import annotations

import ipaddress


def world_open(entry: str) -> bool:
    """True for a network that spans the world rather than a site: any IPv4 prefix shorter than /8
    (IPv6: /7), and a public network larger than a /24 (IPv6: /48). Host names and single addresses
    are not networks: False.

    >>> [world_open(e) for e in ["0.0.0.0/1", "11.0.0.0/8", "203.0.113.0/24", "10.0.0.0/8", "db.internal"]]
    [True, True, False, False, False]
    """
    try:
        network = ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return False
    shortest, site = (8, 24) if network.version == 4 else (7, 48)
    return network.prefixlen < shortest or (not network.is_private and network.prefixlen < site)


class TestModule:
    def tests(self) -> dict[str, object]:
        return {"world_open": world_open}
