#!/usr/bin/env python3
# resolv-srv.py - servers for tests/resolv.t, which drives lib/resolv.c
# through the probe of "vserver NAME recv":
#   resolv-srv.py http PORT ADDR...  accept on each ADDR:PORT (IPv4), answer
#                                    every request "HTTP/1.0 200 OK"
#   resolv-srv.py dns ADDR LOG       a nameserver on ADDR:53 (UDP and TCP)
#                                    that answers oddly, by the name asked
#                                    (each query logged to LOG: NAME TYPE PROTO):
#     good.test    A 127.0.14.20
#     spoof.test   first a reply with another id, then one for another
#                  question (both A 127.0.14.25, where nothing listens),
#                  then the true one (A 127.0.14.20)
#     tc.test      over UDP truncated (TC, no records); over TCP A 127.0.14.20
#     loop.test    a CNAME whose target's compression pointer loops
#     self.test    an A record whose owner is a pointer to itself
#     cnloop.test  CNAME cnloop2.test, which is a CNAME of cnloop.test
#     long.test    an A record whose length runs past the end
#     slow.test    no answer at all
#     fail.test    SERVFAIL
#     anything else REFUSED
import socket, struct, sys, threading


def wire(name):
    return b"".join(bytes([len(l)]) + l.encode() for l in name.split(".") if l) + b"\0"


def rr(owner, rtype, rdata):
    return owner + struct.pack("!HHIH", rtype, 1, 60, len(rdata)) + rdata


def answer(q, tcp):
    qid, quest = q[:2], q[12:]
    labels, i = [], 0
    while i < len(quest) and quest[i]:
        labels.append(quest[i + 1:i + 1 + quest[i]].decode(errors="replace"))
        i += 1 + quest[i]
    name, qtype = ".".join(labels).lower(), struct.unpack("!H", quest[i + 1:i + 3])[0]
    quest = quest[:i + 5]
    with open(sys.argv[3], "a") as f:
        f.write("%s %d %s\n" % (name, qtype, "tcp" if tcp else "udp"))

    def reply(an, flags=0x8180, qd=quest, rid=qid):
        return [rid + struct.pack("!HHHHH", flags, 1, len(an), 0, 0) + qd + b"".join(an)]

    ptr = b"\xc0\x0c"
    a = lambda ip: [rr(ptr, 1, socket.inet_aton(ip))] if qtype == 1 else []
    if name == "good.test":
        return reply(a("127.0.14.20"))
    if name == "spoof.test":
        other = bytes([qid[0], qid[1] ^ 1])
        return (reply(a("127.0.14.25"), rid=other) +
                reply(a("127.0.14.25"), qd=wire("spoog.test") + quest[-4:]) + reply(a("127.0.14.20")))
    if name == "tc.test":
        return reply([], 0x8380) if not tcp else reply(a("127.0.14.20"))
    off = 12 + len(quest)   # where the answers begin
    if name == "loop.test":
        # the CNAME's data (12 bytes into its record): "x", then a pointer
        # back to that "x"
        return reply([rr(ptr, 5, b"\x01x" + struct.pack("!H", 0xc000 | (off + 12)))] + a("127.0.14.20"))
    if name == "self.test":
        return reply([rr(struct.pack("!H", 0xc000 | off), 1, socket.inet_aton("127.0.14.20"))])
    if name == "cnloop.test":
        return reply([rr(ptr, 5, wire("cnloop2.test")), rr(wire("cnloop2.test"), 5, wire("cnloop.test"))])
    if name == "long.test":
        return [reply(a("127.0.14.20"))[0][:-2]] if qtype == 1 else reply([])
    if name == "slow.test":
        return []
    if name == "fail.test":
        return reply([], 0x8182)
    return reply([], 0x8185)


def udp(addr):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 53))
    while True:
        q, peer = s.recvfrom(512)
        for r in answer(q, False):
            s.sendto(r, peer)


def tcp(addr):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 53))
    s.listen(8)
    while True:
        c, _ = s.accept()
        with c:
            c.settimeout(5)
            n = struct.unpack("!H", c.recv(2))[0]
            q = b""
            while len(q) < n:
                q += c.recv(n - len(q))
            for r in answer(q, True):
                c.sendall(struct.pack("!H", len(r)) + r)


def http(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(16)
    while True:
        c, _ = s.accept()
        with c:
            c.settimeout(2)
            try:
                c.recv(1024)
                c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
            except OSError:
                pass


if sys.argv[1] == "dns":
    ts = [threading.Thread(target=f, args=(sys.argv[2],), daemon=True) for f in (udp, tcp)]
else:
    ts = [threading.Thread(target=http, args=(a, int(sys.argv[2])), daemon=True) for a in sys.argv[3:]]
for t in ts:
    t.start()
print("ready", flush=True)
for t in ts:
    t.join()
