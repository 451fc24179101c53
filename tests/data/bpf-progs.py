#!/usr/bin/env python3
# bpf-progs.py CGROUP_DIR HOOK... - the ids of the BPF programs attached to
# a cgroup v2 directory itself (BPF_PROG_QUERY, not the inherited ones),
# one line per hook: "HOOK ID ID ...". For tests: there is no bpftool here.
import ctypes, os, platform, struct, sys

NR_BPF = {"x86_64": 321, "aarch64": 280}[platform.machine()]
BPF_PROG_QUERY = 16
HOOKS = {"ingress": 0, "sock_create": 2, "device": 6, "bind4": 8, "bind6": 9,
         "connect4": 10, "connect6": 11, "sendmsg4": 14, "sendmsg6": 15,
         "getpeer4": 29, "getpeer6": 30}
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
for h in sys.argv[2:]:
    ids = (ctypes.c_uint32 * 64)()
    # struct { u32 target_fd, attach_type, query_flags, attach_flags;
    #          u64 prog_ids; u32 prog_cnt; } in a 144-byte union bpf_attr
    attr = ctypes.create_string_buffer(144)
    struct.pack_into("IIIIQI", attr, 0, fd, HOOKS[h], 0, 0, ctypes.addressof(ids), 64)
    if libc.syscall(NR_BPF, BPF_PROG_QUERY, attr, 144) < 0:
        print(h, "ERR", os.strerror(ctypes.get_errno()))
        continue
    n = struct.unpack_from("I", attr, 24)[0]
    print(h, *ids[:n])
