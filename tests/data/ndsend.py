#!/usr/bin/env python3
# ndsend.py - send one unsolicited ICMPv6 neighbour or router advertisement
# to ff02::1 on a device, for tests/netns.t's spoofing checks: what a
# hostile guest would send to claim an address or a router's role.
#   ndsend.py na DEV TARGET MAC    advertisement (override) of TARGET at MAC
#   ndsend.py ra DEV MAC           a router advertisement (lifetime 1800 s)
import socket, struct, sys

kind, dev = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
mac = bytes.fromhex(sys.argv[-1].replace(":", ""))
if kind == "na":
    # type 136, code 0, checksum (the kernel's), flags O, target, TLLA option
    msg = struct.pack("!BBHI", 136, 0, 0, 0x20000000) + socket.inet_pton(socket.AF_INET6, sys.argv[3])
    msg += struct.pack("!BB", 2, 1) + mac
else:
    # type 134: hop limit 64, no flags, router lifetime 1800, no timers, SLLA
    msg = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 1800, 0, 0) + struct.pack("!BB", 1, 1) + mac
s.sendto(msg, ("ff02::1", 0, 0, socket.if_nametoindex(dev)))
