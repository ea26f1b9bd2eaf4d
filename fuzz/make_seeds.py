#!/usr/bin/env python3
"""Writes the seed inputs of the fuzz targets into tests/fuzz_corpus/{idx,idx_gzip,checkpoint}/seed-*.

IDX: tiny valid IDX files of every dtype (raw, and for the `idx` target also gzip, one and two
members), plus truncated ones. The `idx_gzip` target compresses its input itself, so its seeds are raw.
Checkpoint: safetensors files for the module fuzz/checkpoint_fuzz_entry.hpp loads into, byte for byte
as tapegrad::save writes them (tests/checkpoint/test_fuzz_regressions.cpp checks that), the same
data laid out differently (no metadata, other key and data order, padding, indentation), and a few
rejected files. Deterministic: gzip mtime 0, so rerunning gives the same bytes."""
import gzip
import json
import math
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
    os.makedirs(os.path.join(root, "checkpoint"), exist_ok=True)
    for name, data in checkpoint_seeds().items():
        put("checkpoint", name, data)


# The fuzz module's parameters in named_parameters() order (own ones, then the child's):
# name, safetensors dtype, shape.
CHECKPOINT_PARAMS = [
    ("scale", "F32", []),
    ("none", "F64", [0]),
    ("steps", "I64", [2]),
    ("layer.weight", "F32", [2, 3]),
    ("layer.bias", "F64", [3]),
]
LITTLE_ENDIAN = {"F32": "<f", "F64": "<d", "I64": "<q"}


def checkpoint(values, key_order=None, data_order=None, metadata="first", indent=None, pad=True, extra_pad=0):
    """A safetensors file; by default exactly what tapegrad::save writes: compact JSON, metadata first,
    keys and data in parameter order, spaces up to an 8-byte boundary."""
    names = [name for name, _, _ in CHECKPOINT_PARAMS]
    info = {name: (dtype, shape) for name, dtype, shape in CHECKPOINT_PARAMS}
    blobs = {name: b"".join(struct.pack(LITTLE_ENDIAN[info[name][0]], v) for v in values[name]) for name in names}
    offsets, data, at = {}, b"", 0
    for name in data_order or names:
        offsets[name] = [at, at + len(blobs[name])]
        data += blobs[name]
        at += len(blobs[name])
    header = {}
    if metadata == "first":
        header["__metadata__"] = {"format": "pt"}
    for name in key_order or names:
        header[name] = {"dtype": info[name][0], "shape": info[name][1], "data_offsets": offsets[name]}
    if metadata == "last":
        header["__metadata__"] = {"format": "pt", "producer": "make_seeds.py"}
    text = json.dumps(header, indent=indent, separators=None if indent else (",", ":")).encode()
    if pad:
        text += b" " * ((8 - len(text) % 8) % 8)
    text += b" " * extra_pad
    return struct.pack("<Q", len(text)) + text + data


def checkpoint_seeds():
    sentinel = {"scale": [7.0], "none": [], "steps": [42, 42], "layer.weight": [0.5] * 6, "layer.bias": [-1.5] * 3}
    distinct = {"scale": [0.125], "none": [], "steps": [3, -9], "layer.weight": [1.5, -2.25, 3.0, -4.5, 5.75, -6.0],
                "layer.bias": [0.1, -0.2, 1e300]}
    special = {"scale": [-0.0], "none": [], "steps": [-2**63, 2**63 - 1],
               "layer.weight": [math.inf, -math.inf, math.nan, 1e-45, 3.4028234663852886e38, -1.0],
               "layer.bias": [5e-324, -math.inf, math.nan]}
    zeros = {"scale": [0.0], "none": [], "steps": [0, 0], "layer.weight": [0.0] * 6, "layer.bias": [0.0] * 3}
    good = checkpoint(distinct)
    seeds = {
        "saved-sentinel": checkpoint(sentinel),
        "saved-distinct": good,
        "saved-special": checkpoint(special),
        "saved-zeros": checkpoint(zeros),
        "no-metadata": checkpoint(distinct, metadata=None),
        "metadata-last": checkpoint(distinct, metadata="last"),
        "keys-reversed": checkpoint(distinct, key_order=[n for n, _, _ in reversed(CHECKPOINT_PARAMS)]),
        "data-reordered": checkpoint(distinct, data_order=["layer.bias", "steps", "none", "layer.weight", "scale"]),
        "unpadded": checkpoint(distinct, pad=False),
        "extra-padding": checkpoint(distinct, extra_pad=24),
        "indented": checkpoint(distinct, indent=1),
        # Rejected: the loader must refuse these and leave the module alone.
        "reject-empty": b"",
        "reject-truncated-data": good[:-3],
        "reject-truncated-header": good[:40],
        "reject-header-length": struct.pack("<Q", len(good)) + good[8:],
        "reject-wrong-dtype": good.replace(b'"scale":{"dtype":"F32"', b'"scale":{"dtype":"F64"'),
        "reject-wrong-shape": good.replace(b'"shape":[2,3]', b'"shape":[3,2]'),
        "reject-missing-name": good.replace(b'"steps"', b'"stepz"'),
    }
    for name, data in seeds.items():
        assert name.startswith("reject-") or name == "saved-distinct" or data != good, name
    return seeds


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests", "fuzz_corpus"))
