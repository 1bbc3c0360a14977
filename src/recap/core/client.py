"""Who is asking: the client's own address, also behind the proxies a deployment puts in front.

Login lockouts and rate limits key on it. Behind a proxy, every request arrives from the
proxy's address, so keying on `REMOTE_ADDR` would put every client in one bucket (anyone could
lock anyone out). The client's address is then in `X-Forwarded-For`, which each proxy extends
with the address it was connected from; everything left of what our own proxies wrote is
whatever the client chose to send.

So: with `RECAP_PROXY_HOPS = 0` (the default) clients connect directly and the header is
ignored. With N hops, the client is the N-th address from the right of the header, read with
django-ipware; and if `RECAP_TRUSTED_PROXIES` lists the proxies' own addresses (or networks),
a request that does not come from one of them is a direct client whose header counts for
nothing. A missing or malformed header falls back to the connecting address.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest
from ipware import get_client_ip

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(e, strict=False) for e in entries)


def _from_trusted_proxy(peer: str) -> bool:
    entries = tuple(settings.RECAP_TRUSTED_PROXIES)
    if not entries:
        return True
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in network for network in trusted_networks(entries))


def client_address(request: HttpRequest) -> str:
    peer = request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 - a key, not a bind
    hops = settings.RECAP_PROXY_HOPS
    if hops <= 0 or not _from_trusted_proxy(peer):
        return peer
    ip, _routable = get_client_ip(
        request,
        proxy_order="left-most",
        proxy_count=hops - 1,  # the proxies between the client and the last one
        request_header_order=["HTTP_X_FORWARDED_FOR"],
        strict=False,
    )
    return ip or peer
