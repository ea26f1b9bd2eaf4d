#!/usr/bin/python3
"""Moves weights between tapegrad and PyTorch.

  scripts/tapegrad_torch.py to-torch model.safetensors -o model.pt      # tapegrad checkpoint -> torch.save'd state_dict
  scripts/tapegrad_torch.py from-torch model.pt -o model.safetensors    # PyTorch state_dict -> tapegrad checkpoint

(`cmake --install` puts it in the prefix's bin/ as tapegrad-torch.)

A tapegrad checkpoint is a safetensors file whose names are the module's state_dict names ("0.weight"),
so a tapegrad nn::Sequential and the same torch.nn.Sequential share them: load the result with
model.load_state_dict(torch.load("model.pt")) or tapegrad::load(model, "model.safetensors").
The safetensors format is read and written with numpy (Python's safetensors package is not in
Debian): an 8-byte little-endian header length, a JSON header, then the raw little-endian data.
from-torch accepts a state_dict, a whole saved module, or a dict holding a "state_dict"/"model" entry.
Needs python3-numpy, and python3-torch for torch.save/torch.load.
"""
import argparse
import json
import struct
import sys
from collections import OrderedDict

import numpy as np

DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64}


def read_safetensors(path):
    """The tensors of a safetensors file as an OrderedDict of numpy arrays, in file order."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    body = data[8 + length:]
    tensors = OrderedDict()
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] not in DTYPES:
            sys.exit(f"{path}: tensor {name} has dtype {entry['dtype']}, supported: {', '.join(DTYPES)}")
        begin, end = entry["data_offsets"]
        array = np.frombuffer(body[begin:end], dtype=np.dtype(DTYPES[entry["dtype"]]).newbyteorder("<"))
        tensors[name] = array.reshape(entry["shape"]).copy()
    return tensors


def write_safetensors(path, tensors):
    """Writes numpy arrays as a safetensors file tapegrad loads (packed in the given order)."""
    names = {np.dtype(v): k for k, v in DTYPES.items()}
    header, chunks, offset = OrderedDict(), [], 0
    for name, array in tensors.items():
        # Not np.ascontiguousarray: it makes a 0-d array (BatchNorm's num_batches_tracked) 1-d, a shape
        # tapegrad refuses. tobytes() writes C order whatever the array's layout.
        array = np.asarray(array)
        if array.dtype not in names:
            sys.exit(f"tensor {name} has dtype {array.dtype}; tapegrad checkpoints hold float32, float64 and int64")
        raw = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes(order="C")
        header[name] = {"dtype": names[array.dtype], "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned, as tapegrad writes it
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def state_dict_of(loaded):
    """The state_dict inside whatever torch.load returned."""
    import torch
    if isinstance(loaded, torch.nn.Module):
        return loaded.state_dict()
    if isinstance(loaded, dict):
        for key in ("state_dict", "model", "model_state_dict"):
            if key in loaded and isinstance(loaded[key], dict):
                return loaded[key]
        return loaded
    sys.exit(f"expected a state_dict or a module, got {type(loaded).__name__}")


def to_torch(source, target):
    import torch
    state = OrderedDict((name, torch.from_numpy(array)) for name, array in read_safetensors(source).items())
    torch.save(state, target)
    return state


def from_torch(source, target):
    import torch
    state = state_dict_of(torch.load(source, map_location="cpu"))
    arrays = OrderedDict((name, t.detach().cpu().numpy()) for name, t in state.items() if isinstance(t, torch.Tensor))
    write_safetensors(target, arrays)
    return arrays


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for command, help_text in (("to-torch", "tapegrad checkpoint (.safetensors) -> torch.save'd state_dict"),
                               ("from-torch", "PyTorch state_dict (torch.save) -> tapegrad checkpoint")):
        p = sub.add_parser(command, help=help_text)
        p.add_argument("source")
        p.add_argument("-o", "--output", required=True)
    args = parser.parse_args()
    moved = (to_torch if args.command == "to-torch" else from_torch)(args.source, args.output)
    print(f"wrote {len(moved)} tensors to {args.output}: {', '.join(moved)}")


if __name__ == "__main__":
    main()
