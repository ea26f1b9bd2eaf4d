#!/usr/bin/python3
"""Checks an ONNX export of tapegrad with real consumers: onnx.checker (python3-onnx) validates the
file, OpenCV's DNN module (python3-opencv) runs it on the 10000 MNIST test images, and the outputs
must match tapegrad's within 1e-4 with the same predicted class wherever tapegrad's top two outputs
are further apart than that (consumer_common.compare_outputs).

  check_onnx.py <onnx_reference binary> <model name> <mnist data dir> <work dir>

Exits 77 (ctest's "skipped", with the reason printed) when a package is missing, unless
TAPEGRAD_CI is set: CI installs the packages, so there a missing one is a failure.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from consumer_common import compare_outputs, require_modules, run_reference  # noqa: E402

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
compare_outputs(f"OpenCV {cv2.__version__} DNN vs tapegrad", logits, ref.logits, ref.labels, ref_predicted=ref.predicted)
