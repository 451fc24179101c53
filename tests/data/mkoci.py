#!/usr/bin/env python3
"""mkoci.py DIR KIND [OUTSIDE] - write an OCI image layout for tests/oci.t.

Every image is built here byte by byte (tarfile, json, hashlib), digests
and sizes computed as the image spec says, and then, for the hostile
KINDs, spoiled in exactly one way:
  good        a plain (uncompressed) layer and a zstd layer, Cmd a bare
              name found through the image's PATH
  traversal   a file named ../../escape
  abslink     layer 1: dir -> OUTSIDE (an absolute symlink); layer 2: a
              file dir/pwned through it
  rellink     one layer: up -> .. and a file up/x through it
  hardlink    a hard link to ../../../../etc/passwd
  device      a character device node
  baddigest   a layer whose bytes no longer match its digest (same size)
  truncated   a layer blob shorter than its descriptor says
  badjson     a manifest that is not valid JSON (its digest right)
  endless     a gzip layer whose archive is followed by 4 MiB of zeros
  gnu         GNU tar format: a long name and link (././@LongLink), a uid
              in base-256, a hard link, a FIFO; and a pax layer with an
              xattr, a UTF-8 name and a long symlink target
"""
import gzip, hashlib, io, json, os, platform, subprocess, sys, tarfile

ARCH = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())


def tar(entries, fmt=tarfile.PAX_FORMAT):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=fmt) as t:
        for e in entries:
            i = tarfile.TarInfo(e["name"])
            i.type = e.get("type", tarfile.REGTYPE)
            i.mode = e.get("mode", 0o755 if i.type == tarfile.DIRTYPE else 0o644)
            i.linkname = e.get("link", "")
            i.devmajor, i.devminor = e.get("dev", (0, 0))
            i.uid, i.gid, i.mtime = e.get("uid", 0), e.get("gid", 0), e.get("mtime", 1700000000)
            i.pax_headers = e.get("pax", {})
            data = e.get("data", b"")
            i.size = len(data) if i.type == tarfile.REGTYPE else 0
            t.addfile(i, io.BytesIO(data) if i.size else None)
    return b.getvalue()


class Layout:
    def __init__(self, d):
        self.d = d
        os.makedirs(os.path.join(d, "blobs", "sha256"), exist_ok=True)
        with open(os.path.join(d, "oci-layout"), "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)

    def blob(self, data, media):
        h = hashlib.sha256(data).hexdigest()
        with open(os.path.join(self.d, "blobs", "sha256", h), "wb") as f:
            f.write(data)
        return {"mediaType": media, "digest": "sha256:" + h, "size": len(data)}

    def path(self, desc):
        return os.path.join(self.d, "blobs", "sha256", desc["digest"][7:])

    def image(self, layers, config, manifest_text=None):
        cfg = self.blob(json.dumps({"architecture": ARCH, "os": "linux", "config": config,
                                    "rootfs": {"type": "layers", "diff_ids": []}}).encode(),
                        "application/vnd.oci.image.config.v1+json")
        m = manifest_text or json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                                         "config": cfg, "layers": layers}).encode()
        man = self.blob(m, "application/vnd.oci.image.manifest.v1+json")
        with open(os.path.join(self.d, "index.json"), "w") as f:
            json.dump({"schemaVersion": 2, "manifests": [man]}, f)


def plain(lo, entries, fmt=tarfile.PAX_FORMAT):
    return lo.blob(tar(entries, fmt), "application/vnd.oci.image.layer.v1.tar")


def zstd(lo, entries):
    z = subprocess.run(["zstd", "-q", "-c"], input=tar(entries), stdout=subprocess.PIPE, check=True).stdout
    return lo.blob(z, "application/vnd.oci.image.layer.v1.tar+zstd")


def main():
    d, kind = sys.argv[1], sys.argv[2]
    outside = sys.argv[3] if len(sys.argv) > 3 else "/nonexistent"
    lo = Layout(d)
    D, L, H, C = tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.CHRTYPE
    base = [{"name": "bin", "type": D}, {"name": "bin/true", "data": b"#!/bin/sh\n", "mode": 0o755}]
    cfg = {"Cmd": ["true", "arg with blanks"], "Env": ["PATH=/bin"]}
    if kind == "good":
        layers = [plain(lo, base + [{"name": "etc/motd", "data": b"plain layer\n"}]),
                  zstd(lo, [{"name": "etc/zst", "data": b"zstd layer\n"}, {"name": "etc/.wh.motd"}])]
    elif kind == "traversal":
        layers = [plain(lo, base + [{"name": "../../escape", "data": b"out\n"}])]
    elif kind == "abslink":
        layers = [plain(lo, base + [{"name": "dir", "type": L, "link": outside}]),
                  plain(lo, [{"name": "dir/pwned", "data": b"pwned\n"}])]
    elif kind == "rellink":
        layers = [plain(lo, base + [{"name": "up", "type": L, "link": ".."},
                                    {"name": "up/x", "data": b"x\n"}])]
    elif kind == "hardlink":
        layers = [plain(lo, base + [{"name": "hl", "type": H, "link": "../../../../etc/passwd"}])]
    elif kind == "device":
        layers = [plain(lo, base + [{"name": "kmem", "type": C, "dev": (1, 2)}])]
    elif kind in ("baddigest", "truncated"):
        layers = [plain(lo, base + [{"name": "etc/motd", "data": b"x" * 4000}])]
        p = lo.path(layers[0])
        data = open(p, "rb").read()
        data = data[:1024] + b"y" + data[1025:] if kind == "baddigest" else data[:len(data) // 2]
        open(p, "wb").write(data)
    elif kind == "endless":
        layers = [lo.blob(gzip.compress(tar(base) + bytes(4 << 20)), "application/vnd.oci.image.layer.v1.tar+gzip")]
    elif kind == "gnu":
        long = "d" * 60 + "/" + "e" * 60 + "/" + "f" * 40
        layers = [plain(lo, base + [{"name": long, "data": b"long\n", "uid": 3000000, "gid": 3000001},
                                    {"name": "ln", "type": L, "link": long},
                                    {"name": "hard", "type": H, "link": long},
                                    {"name": "fifo", "type": tarfile.FIFOTYPE, "mode": 0o600}], tarfile.GNU_FORMAT),
                  plain(lo, [{"name": "caf\u00e9", "data": b"x\n", "mode": 0o4755,
                              "pax": {"SCHILY.xattr.user.note": "from pax"}},
                             {"name": "sl", "type": L, "link": "/" + "t" * 200}])]
    elif kind == "badjson":
        layers = [plain(lo, base)]
        lo.image(layers, cfg, manifest_text=b'{"schemaVersion": 2, "layers": [')
        return
    else:
        sys.exit("mkoci.py: unknown kind " + kind)
    lo.image(layers, cfg)


main()
