"""Shared by the consumer tests (tests/consumers/check_onnx.py, check_torch.py); compare_outputs is
checked by test_consumer_common.py."""
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
    labels, predicted = read("labels.i64", np.int64), read("predictions.i64", np.int64)
    # The printed count and the written predictions come from the same argmax: one process, no tolerance.
    assert correct == int(np.sum(predicted == labels)), f"{tool} prints {correct} correct, its predictions say otherwise"
    return SimpleNamespace(inputs=read("inputs.f32", np.float32).reshape(len(labels), 784),
                           logits=read("logits.f32", np.float32).reshape(len(labels), -1),
                           logits64=read("logits.f64", np.float64).reshape(len(labels), -1),
                           labels=labels, predicted=predicted, correct=correct)


def top_two_margin(outputs):
    """Per row of a (N, classes) array: the largest value minus the second largest."""
    import numpy as np
    top_two = np.partition(outputs, -2, axis=1)[:, -2:]
    return top_two[:, 1] - top_two[:, 0]


def compare_outputs(what, outputs, reference, labels, predicted=None, ref_predicted=None, tolerance=1e-4):
    """Checks one implementation's (N, classes) outputs against a reference implementation's: every
    output within `tolerance`, and the same predicted class for every image whose top two reference
    outputs are further apart than `tolerance`. Two correct implementations that sum in a different
    order (another instruction set, another library, another rank count) may pick different classes
    where the top two are closer (a near tie), so those images are counted, printed and left out, and
    at most 10 in 10,000 may be near ties (a model that ties everywhere proves nothing).
    `predicted`/`ref_predicted` are each side's own argmax when it reports one (default: numpy's argmax
    of its outputs). Raises AssertionError naming every failed check."""
    import numpy as np
    outputs, reference = np.asarray(outputs), np.asarray(reference)
    assert outputs.shape == reference.shape, f"{what}: outputs of shape {outputs.shape}, reference {reference.shape}"
    predicted = outputs.argmax(1) if predicted is None else np.asarray(predicted)
    ref_predicted = reference.argmax(1) if ref_predicted is None else np.asarray(ref_predicted)
    n = len(labels)
    diff = float(np.max(np.abs(outputs.astype(np.float64) - reference)))
    near_tie = top_two_margin(reference.astype(np.float64)) <= tolerance
    allowed = n * 10 // 10000
    decided = ~near_tie
    disagree = np.flatnonzero(decided & (predicted != ref_predicted))
    correct, ref_correct = int(np.sum(predicted == labels)), int(np.sum(ref_predicted == labels))
    print(f"{what}: max |output difference| {diff:.2e}; correct {correct} vs {ref_correct} of {n}; "
          f"{int(near_tie.sum())} near ties (top two within {tolerance:g}, at most {allowed} allowed) "
          f"left out: {np.flatnonzero(near_tie).tolist()[:20]}; "
          f"over the other {int(decided.sum())}: correct {int(np.sum((predicted == labels) & decided))} "
          f"vs {int(np.sum((ref_predicted == labels) & decided))}")
    failures = []
    if not diff <= tolerance:  # also catches NaN
        failures.append(f"outputs differ by {diff:.3g} (> {tolerance:g})")
    if near_tie.sum() > allowed:
        failures.append(f"{int(near_tie.sum())} near ties, at most {allowed} of {n} allowed")
    if len(disagree):
        shown = ", ".join(f"image {i}: class {predicted[i]} vs {ref_predicted[i]} (reference margin "
                          f"{top_two_margin(reference[i:i + 1])[0]:.3g})" for i in disagree[:5])
        failures.append(f"{len(disagree)} predictions differ where the reference is not a near tie: {shown}")
    assert not failures, f"{what}: " + "; ".join(failures)
