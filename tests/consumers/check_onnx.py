#!/usr/bin/python3
"""Checks an ONNX export of tapegrad with real consumers: onnx.checker (python3-onnx) validates the
file, OpenCV's DNN module (python3-opencv) runs it on the 10000 MNIST test images, and the logits
must match tapegrad's within 1e-4 with the identical count of correct predictions.

  check_onnx.py <onnx_reference binary> <model name> <mnist data dir> <work dir>

Exits 77 (ctest's "skipped", with the reason printed) when a package is missing, unless
TAPEGRAD_CI is set: CI installs the packages, so there a missing one is a failure.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from consumer_common import require_modules, run_reference  # noqa: E402

np, onnx, cv2 = require_modules(("numpy", "python3-numpy"), ("onnx", "python3-onnx"), ("cv2", "python3-opencv"))

tool, model, data, work = sys.argv[1:5]
ref = run_reference(tool, model, data, work)
path = os.path.join(work, "model.onnx")

# onnx.checker with full_check also runs shape inference over the graph.
onnx.checker.check_model(onnx.load(path), full_check=True)
graph = onnx.load(path).graph
batch = graph.input[0].type.tensor_type.shape.dim[0]
assert batch.dim_param == "batch", f"the input's batch dimension is not dynamic: {batch}"
print(f"onnx.checker: {path} valid (opset {onnx.load(path).opset_import[0].version}, "
      f"{len(graph.node)} nodes: {', '.join(sorted({n.op_type for n in graph.node}))})")

net = cv2.dnn.readNetFromONNX(path)
logits = []
for start in range(0, len(ref.inputs), 1000):  # batches of 1000 (the export was traced on 1 image)
    net.setInput(ref.inputs[start:start + 1000])
    logits.append(net.forward().copy())
logits = np.concatenate(logits)
assert logits.shape == ref.logits.shape, f"OpenCV gave {logits.shape}, tapegrad {ref.logits.shape}"
diff = float(np.max(np.abs(logits - ref.logits)))
correct = int(np.sum(np.argmax(logits, 1) == ref.labels))
print(f"OpenCV {cv2.__version__} DNN: max |logit difference| {diff:.2e} over {logits.size} logits; "
      f"correct {correct} (tapegrad {ref.correct}) of {len(ref.labels)}")
assert diff <= 1e-4, f"logits differ by {diff} (> 1e-4)"
assert correct == ref.correct, f"OpenCV counts {correct} correct predictions, tapegrad {ref.correct}"
