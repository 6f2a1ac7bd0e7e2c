#!/usr/bin/env python3
"""Writes the committed corpus of hostile inputs in tests/hostile/.

Every file is generated here, byte for byte, so the corpus can be reviewed as code and
regenerated (`python3 scripts/make-hostile-corpus.py`); tests/hostile.rs expects a specific
error for each. Only small inputs are committed: the big ones (a 200 MB INF, 100 000 entries,
a spec with 10 000 drivers, hostile ISO images) are made by the tests at run time.

Zips are assembled by hand (not with zipfile) because the point is to write what a
well-behaved archiver never would: lying sizes, overlapping data, bad names.
"""

import json
import os
import struct
import sys
import zlib

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "hostile")


def deflate(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def entry(name, data=b"", method=0, **over):
    """One entry: `over` replaces any header field (flags, size, csize, crc, offset, extra...)."""
    raw = name.encode("utf-8") if isinstance(name, str) else name
    payload = deflate(data) if method == 8 else data
    e = dict(name=raw, payload=payload, method=method, flags=0, crc=zlib.crc32(data),
             csize=len(payload), size=len(data), extra=b"", local_extra=b"", offset=None,
             made_by=20, attrs=0)
    e.update(over)
    return e


def build(entries, cd_count=None, cut_cd=0, eocd_over=None, tail=b""):
    out = bytearray()
    for e in entries:
        if e["offset"] is None:
            e["offset"] = len(out)
        if e.get("no_local"):
            continue
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, e["flags"], e["method"], 0, 0x21,
                           e["crc"], min(e["csize"], 0xFFFFFFFF), min(e["size"], 0xFFFFFFFF),
                           len(e["name"]), len(e["local_extra"]))
        out += e["name"] + e["local_extra"] + e["payload"]
    cd_start = len(out)
    cd = bytearray()
    for e in entries:
        cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, e["made_by"], 20, e["flags"],
                          e["method"], 0, 0x21, e["crc"], min(e["csize"], 0xFFFFFFFF),
                          min(e["size"], 0xFFFFFFFF), len(e["name"]), len(e["extra"]), 0, 0, 0,
                          e["attrs"], min(e["offset"], 0xFFFFFFFF))
        cd += e["name"] + e["extra"]
    if cut_cd:
        cd = cd[:-cut_cd]
    out += cd
    n = len(entries) if cd_count is None else cd_count
    fields = dict(disk=0, cd_disk=0, n_disk=n, n=n, cd_size=len(cd), cd_offset=cd_start)
    fields.update(eocd_over or {})
    out += tail
    out += struct.pack("<IHHHHIIH", 0x06054B50, fields["disk"], fields["cd_disk"],
                       fields["n_disk"], fields["n"], fields["cd_size"], fields["cd_offset"], 0)
    return bytes(out)


def zip64_extra(size, csize):
    body = struct.pack("<QQ", size, csize)
    return struct.pack("<HH", 1, len(body)) + body


def corpus():
    inf = b"[Version]\r\nSignature=\"$WINDOWS NT$\"\r\n"
    zeros = bytes(20 * 1024 * 1024)
    yield "bomb-ratio.zip", build([entry("drv/zeros.bin", zeros, method=8)])
    # 16 bytes of deflate claiming to be a terabyte, through zip64 fields.
    yield "bomb-declared.zip", build([entry("drv/huge.sys", b"x" * 16, method=8, size=0xFFFFFFFF,
                                            extra=zip64_extra(1 << 40, len(deflate(b"x" * 16))))])
    inner = build([entry("amd64/viostor/viostor.inf", inf)])
    yield "nested.zip", build([entry("drivers.zip", inner)])
    a, b = entry("a.inf", inf * 4, method=8), entry("b.inf", inf * 4, method=8)
    a["csize"] += 10  # a's data now runs into b's local header
    yield "overlap.zip", build([a, b])
    yield "unsafe-paths.zip", build([entry(n, inf) for n in (
        "../evil.inf", "/etc/evil.inf", "C:/evil.inf", "c:evil.inf", "drv\\..\\..\\evil.inf",
        "drv/ok.inf")])
    yield "duplicate.zip", build([entry("drv/a.inf", inf), entry("drv/a.inf", inf)])
    yield "case-duplicate.zip", build([entry("drv/viostor.inf", inf), entry("DRV/VioStor.INF", inf)])
    yield "encrypted.zip", build([entry("drv/secret.inf", inf, flags=1)])
    yield "method-lzma.zip", build([entry("drv/a.inf", inf, method=14)])
    yield "truncated-cd.zip", build([entry("a.inf", inf), entry("b.inf", inf)], cut_cd=30)
    yield "truncated-cd-tail.zip", build([entry("a.inf", inf), entry("b.inf", inf)], cut_cd=3)
    # zip64 end records: the locator points past the end of the archive.
    body = build([entry("a.inf", inf)])
    eocd = body[-22:]
    locator = struct.pack("<IIQI", 0x07064B50, 0, 1 << 40, 1)
    yield "zip64-locator-lies.zip", body[:-22] + locator + eocd
    # A zip64 extra field that moves the entry's data far beyond the archive.
    yield "zip64-offset-lies.zip", build([entry("a.inf", inf, offset=0xFFFFFFFF,
                                                extra=struct.pack("<HHQ", 1, 8, 1 << 50))])
    yield "names-nul-and-non-utf8.zip", build([entry(b"drv/nul\x00.inf", inf),
                                                entry(b"drv/caf\x82.inf", inf),
                                                entry("drv/ok.inf", inf)])
    # Unix symlink entry (mode 0120777, made by Unix).
    yield "symlink.zip", build([entry("drv/link.inf", b"/etc/passwd", made_by=(3 << 8) | 20,
                                      attrs=0o120777 << 16)])
    yield "regex-too-big.json", json.dumps({"drivers": [{
        "name": "viostor", "expected_hardware_ids": ["(?:[a-z]{100}){100}"]}]}).encode()
    yield "not-json.json", b"{\"drivers\": [ {\"name\": \"viostor\", }\n"
    yield "unknown-field.json", json.dumps({"drivers": [{"name": "viostor", "expected_hwids": []}]}).encode()


def main():
    os.makedirs(OUT, exist_ok=True)
    wanted = dict(corpus())
    for name in sorted(os.listdir(OUT)):
        if name not in wanted:
            os.remove(os.path.join(OUT, name))
    for name, data in sorted(wanted.items()):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(wanted)} files to tests/hostile/", file=sys.stderr)


if __name__ == "__main__":
    main()
