#!/usr/bin/env python3
# chbind-sock.py - tiny socket clients and servers for tests/chbind.t and
# bench/20-chbind.sh. Each prints what the kernel reports (getsockname,
# the peer a server saw) or "ERR ENAME". Servers stop by themselves.
import errno, os, socket, struct, sys, time

def fam(a):
    return socket.AF_INET6 if ':' in a else socket.AF_INET

def fail(e):
    print("ERR", errno.errorcode.get(e.errno, e.errno) if e.errno else type(e).__name__)
    sys.exit(0)

def ready(path, text="ready"):
    with open(path + ".tmp", "w") as f:
        f.write(str(text))
    os.rename(path + ".tmp", path)

a = sys.argv[1:]
cmd = a[0]
try:
    if cmd == "bind":                    # bind tcp|udp ADDR PORT [6]: ADDR on an AF_INET6 socket
        t = socket.SOCK_STREAM if a[1] == "tcp" else socket.SOCK_DGRAM
        s = socket.socket(socket.AF_INET6 if len(a) > 4 else fam(a[2]), t)
        s.bind((a[2], int(a[3])))
        print(s.getsockname()[0])
    elif cmd == "serve":                 # serve ADDR PORT NAME READY [SECONDS]
        s = socket.socket(fam(a[1]))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((a[1], int(a[2])))
        s.listen(64)
        s.settimeout(1)
        ready(a[4])
        end = time.time() + float(a[5] if len(a) > 5 else 30)
        while time.time() < end:
            try:
                c, peer = s.accept()
            except socket.timeout:
                continue
            c.sendall(("%s %s\n" % (a[3], peer[0])).encode())
            c.close()
    elif cmd == "ask":                   # ask ADDR PORT [v6only]: "NAME PEER-SEEN local=ADDR"
        if len(a) > 3:
            c = socket.socket(socket.AF_INET6)
            c.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            c.settimeout(2)
            c.connect((a[1], int(a[2])))
        else:
            c = socket.create_connection((a[1], int(a[2])), timeout=2)
        print(c.recv(200).decode().strip(), "local=" + c.getsockname()[0])
    elif cmd == "uask":                  # uask ADDR PORT: a connected UDP socket's question
        c = socket.socket(fam(a[1]), socket.SOCK_DGRAM)
        c.settimeout(2)
        c.connect((a[1], int(a[2])))
        c.send(b"x")
        print(c.recv(100).decode(), "local=" + c.getsockname()[0])
    elif cmd == "userve":                # userve ADDR PORT READY [SECONDS]: echo the sender's address
        s = socket.socket(fam(a[1]), socket.SOCK_DGRAM)
        s.bind((a[1], int(a[2])))
        s.settimeout(1)
        ready(a[3])
        end = time.time() + (int(a[4]) if len(a) > 4 else 30)
        while time.time() < end:
            try:
                d, peer = s.recvfrom(100)
            except socket.timeout:
                continue
            s.sendto(peer[0].encode(), peer)
    elif cmd == "usend":                 # usend DST PORT [PKTINFO-SRC]: unconnected sendto
        s = socket.socket(fam(a[1]), socket.SOCK_DGRAM)
        s.settimeout(2)
        if len(a) > 3:
            if fam(a[3]) == socket.AF_INET:
                info = struct.pack("=I4s4s", 0, socket.inet_aton(a[3]), bytes(4))
                cm = [(socket.IPPROTO_IP, getattr(socket, "IP_PKTINFO", 8), info)]
            else:
                info = struct.pack("=16sI", socket.inet_pton(socket.AF_INET6, a[3]), 0)
                cm = [(socket.IPPROTO_IPV6, socket.IPV6_PKTINFO, info)]
            s.sendmsg([b"x"], cm, 0, (a[1], int(a[2])))
        else:
            s.sendto(b"x", (a[1], int(a[2])))
        print(s.recv(100).decode())
    elif cmd == "ping":                  # ping ADDR: an ICMP datagram socket bound to ADDR
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)
        s.bind((a[1], 0))
        print(s.getsockname()[0])
    elif cmd == "listen0":               # listen0 PORTFILE: listen() without bind()
        s = socket.socket(socket.AF_INET)
        s.listen(8)
        s.settimeout(1)
        ready(a[1], "%s %d" % s.getsockname())
        end = time.time() + 20
        while time.time() < end:
            try:
                c, peer = s.accept()
            except socket.timeout:
                continue
            c.sendall(b"listen0 %s\n" % peer[0].encode())
            c.close()
    elif cmd == "uauto":                 # uauto PORTFILE DST PORT LOG: autobind by sendto
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(b"x", (a[2], int(a[3])))
        s.settimeout(1)
        ready(a[1], "%s %d" % s.getsockname())
        end = time.time() + 20
        while time.time() < end:
            try:
                d, peer = s.recvfrom(100)
            except socket.timeout:
                continue
            with open(a[4], "a") as f:
                f.write("%s %s\n" % (d.decode(), peer[0]))
    elif cmd == "udpto":                 # udpto DST PORT TEXT: one datagram, from anywhere
        s = socket.socket(fam(a[1]), socket.SOCK_DGRAM)
        s.sendto(a[3].encode(), (a[1], int(a[2])))
        print("sent")
    else:
        sys.exit("unknown command " + cmd)
except OSError as e:
    fail(e)
