#!/usr/bin/env python3
"""Writes the seed inputs of the IDX fuzz targets into tests/fuzz_corpus/{idx,idx_gzip}/seed-*.

Tiny valid IDX files of every dtype (raw, and for the `idx` target also gzip, one and two members),
plus truncated ones. The `idx_gzip` target compresses its input itself, so its seeds are raw.
Deterministic: gzip mtime 0, so rerunning gives the same bytes."""
import gzip
import os
import struct
import sys

FORMATS = {0x08: "B", 0x09: "b", 0x0B: ">h", 0x0C: ">i", 0x0D: ">f", 0x0E: ">d"}  # struct formats, big-endian


def idx(dtype, dims, values):
    payload = b"".join(struct.pack(FORMATS[dtype], v) for v in values)
    return bytes([0, 0, dtype, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload


def gz(data):
    return gzip.compress(data, mtime=0)


def main(root):
    valid = {
        "ubyte-2x3x3": idx(0x08, [2, 3, 3], range(18)),
        "ubyte-labels-5": idx(0x08, [5], [7, 2, 1, 0, 9]),
        "byte-4": idx(0x09, [4], [-128, -1, 0, 127]),
        "short-2x2": idx(0x0B, [2, 2], [-32768, -1, 1, 32767]),
        "int-3": idx(0x0C, [3], [1, -2, 0x01020304]),
        "float-1x2": idx(0x0D, [1, 2], [1.5, -0.25]),
        "double-2": idx(0x0E, [2], [3.0, float("inf")]),
        "ubyte-0x5": idx(0x08, [0, 5], []),
    }
    truncated = {
        "trunc-magic": valid["ubyte-2x3x3"][:3],
        "trunc-dims": valid["ubyte-2x3x3"][:9],
        "trunc-payload": valid["ubyte-2x3x3"][:20],
    }
    for target in ("idx", "idx_gzip"):
        os.makedirs(os.path.join(root, target), exist_ok=True)
    def put(target, name, data):
        with open(os.path.join(root, target, "seed-" + name), "wb") as f:
            f.write(data)
    for name, data in {**valid, **truncated}.items():
        put("idx", name, data)
        put("idx_gzip", name, data)
    for name in ("ubyte-2x3x3", "int-3", "double-2", "trunc-payload"):
        put("idx", name + ".gz", gz(valid.get(name, truncated.get(name))))
    two = valid["ubyte-labels-5"]
    put("idx", "ubyte-labels-5.two-members.gz", gz(two[:6]) + gz(two[6:]))
    put("idx", "ubyte-2x3x3.cut.gz", gz(valid["ubyte-2x3x3"])[:-5])


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests", "fuzz_corpus"))
