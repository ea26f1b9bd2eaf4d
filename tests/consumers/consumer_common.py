"""Shared by the consumer tests (tests/consumers/check_onnx.py, check_torch.py)."""
import importlib
import os
import subprocess
import sys
from types import SimpleNamespace

SKIP = 77  # ctest's SKIP_RETURN_CODE for these tests


def require_modules(*modules):
    """Imports each (module, Debian package); skips visibly (fails under TAPEGRAD_CI) when one is missing."""
    loaded, missing = [], []
    for module, package in modules:
        try:
            loaded.append(importlib.import_module(module))
        except ImportError:
            missing.append(package)
    if missing:
        reason = (f"{sys.executable} cannot import {', '.join(m for m, p in modules if p in missing)}: "
                  f"install {' '.join(missing)} (apt-get install {' '.join(missing)})")
        if os.environ.get("TAPEGRAD_CI"):
            print(f"FAIL (CI installs these packages): {reason}")
            sys.exit(1)
        print(f"SKIPPED: {reason}")
        sys.exit(SKIP)
    return loaded


def run_reference(tool, model, data, work, *extra):
    """Runs onnx_reference (tests/consumers/onnx_reference.cpp) and reads what it wrote."""
    import numpy as np
    os.makedirs(work, exist_ok=True)
    run = subprocess.run([tool, "--model", model, "--data", data, "--out", work, *extra],
                         capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"{tool} failed ({run.returncode}): {run.stderr}")
    correct = int(run.stdout.split("correct:")[1].split()[0])
    read = lambda name, dtype: np.fromfile(os.path.join(work, name), dtype=dtype)  # noqa: E731
    labels = read("labels.i64", np.int64)
    return SimpleNamespace(inputs=read("inputs.f32", np.float32).reshape(len(labels), 784),
                           logits=read("logits.f32", np.float32).reshape(len(labels), -1),
                           labels=labels, correct=correct)
