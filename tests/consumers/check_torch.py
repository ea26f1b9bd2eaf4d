#!/usr/bin/python3
"""PyTorch both ways through the .pt files tapegrad reads and writes natively (needs python3-torch and
python3-numpy):
  1. a model trained in tapegrad and saved as model.pt, read by torch.load(weights_only=True) into the
     same torch.nn.Sequential: its tensors are identical to those of tapegrad's safetensors checkpoint
     (converted by scripts/tapegrad_torch.py), and the outputs on the 10000 MNIST test images match
     tapegrad's within 1e-4, the predicted classes the same wherever tapegrad's top two outputs are
     further apart than that (consumer_common.compare_outputs);
  2. the same model trained in PyTorch, its state_dict torch.save'd and loaded by tapegrad directly:
     the same checks the other way, PyTorch's outputs the reference; and tapegrad's model.pt of those
     weights reads back in PyTorch identical, tensor for tensor. The cnn model's BatchNorm2d carries
     the 0-d int64 num_batches_tracked buffer both ways.
Both ways, the exchanged model evaluated in float64 on each side (tapegrad's Module::to, PyTorch's
double()) gives the same outputs within 1e-5 (in fact ~1e-12: float64 leaves no room for the summation
order, which is why the float32 comparison allows 1e-4).

  check_torch.py <onnx_reference binary> <model name> <mnist data dir> <work dir>

Skips (exit 77, reason printed) without the packages, unless TAPEGRAD_CI is set.
"""
import gzip
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
from consumer_common import compare_outputs, require_modules, run_reference  # noqa: E402

np, torch = require_modules(("numpy", "python3-numpy"), ("torch", "python3-torch"))
script = os.path.join(here, "..", "..", "scripts", "tapegrad_torch.py")
tool, model_name, data, work = sys.argv[1:5]
nn = torch.nn


def make_model(name):
    """The torch.nn.Sequential equal to onnx_reference's model of that name."""
    if name == "mlp":
        return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 128),
                             nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))
    if name == "mlp-activations":
        return nn.Sequential(nn.Linear(784, 64), nn.Tanh(), nn.Linear(64, 32), nn.Sigmoid(), nn.Linear(32, 10),
                             nn.LogSoftmax(1))
    if name == "cnn":
        return nn.Sequential(nn.Unflatten(1, (1, 28, 28)), nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Conv2d(8, 16, 3), nn.ReLU(), nn.AvgPool2d(2), nn.Dropout(0.25),
                             nn.Flatten(), nn.Linear(16 * 6 * 6, 10))
    raise SystemExit(f"no torch twin for {name}")


def convert(command, source, target):
    subprocess.run([sys.executable, script, command, source, "-o", target], check=True)


def mnist_train():
    def read(name, offset):
        with gzip.open(os.path.join(data, name)) as f:
            return np.frombuffer(f.read(), np.uint8, offset=offset)
    images = (read("train-images-idx3-ubyte.gz", 16).reshape(-1, 784).astype(np.float32) / 255 - 0.1307) / 0.3081
    return torch.from_numpy(images), torch.from_numpy(read("train-labels-idx1-ubyte.gz", 8).astype(np.int64))


torch.set_num_threads(2)
def check_identical(what, state, reference):
    """The same names (tapegrad's state_dict lists a module's buffers after all parameters, PyTorch's
    after each module's own), and every tensor equal in dtype, shape and bits."""
    assert sorted(state) == sorted(reference), f"{what}: names {list(state)} vs {list(reference)}"
    for name, t in state.items():
        r = reference[name]
        assert t.dtype == r.dtype and t.shape == r.shape and torch.equal(t, r), f"{what}: tensor {name} differs"
    print(f"{what}: {len(state)} tensors identical")


def float64_logits(model, inputs):
    """The model's outputs computed in float64 (its float32 weights converted exactly); the model is float32 again after."""
    model.double()
    with torch.no_grad():
        out = model(torch.from_numpy(inputs).double()).numpy()
    model.float()
    return out


# 1. tapegrad -> PyTorch.
ref = run_reference(tool, model_name, data, os.path.join(work, "from_tapegrad"))
native = torch.load(os.path.join(work, "from_tapegrad", "model.pt"), weights_only=True)
convert("to-torch", os.path.join(work, "from_tapegrad", "model.safetensors"), os.path.join(work, "converted.pt"))
check_identical("tapegrad's model.pt vs its converted safetensors", native, torch.load(os.path.join(work, "converted.pt")))
model = make_model(model_name)
model.load_state_dict(native, strict=True)
model.eval()
with torch.no_grad():
    logits = model(torch.from_numpy(ref.inputs)).numpy()
compare_outputs("tapegrad -> PyTorch", logits, ref.logits, ref.labels, ref_predicted=ref.predicted)
compare_outputs("tapegrad -> PyTorch in float64", float64_logits(model, ref.inputs), ref.logits64, ref.labels,
                tolerance=1e-5)

# 2. PyTorch -> tapegrad: 300 SGD steps in PyTorch, then tapegrad evaluates the converted weights.
torch.manual_seed(0)
model = make_model(model_name)
images, labels = mnist_train()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
loss_fn = nn.NLLLoss() if model_name == "mlp-activations" else nn.CrossEntropyLoss()
for step, batch in enumerate(torch.randperm(len(labels))[:300 * 64].split(64)):
    optimizer.zero_grad()
    loss_fn(model(images[batch]), labels[batch]).backward()
    optimizer.step()
model.eval()
torch.save(model.state_dict(), os.path.join(work, "torch.pt"))
back = run_reference(tool, model_name, data, os.path.join(work, "from_torch"), "--load", os.path.join(work, "torch.pt"))
check_identical("PyTorch -> tapegrad -> PyTorch", torch.load(os.path.join(work, "from_torch", "model.pt"), weights_only=True),
                model.state_dict())
with torch.no_grad():
    logits = model(torch.from_numpy(back.inputs)).numpy()
compare_outputs("PyTorch -> tapegrad", back.logits, logits, back.labels, predicted=back.predicted)
compare_outputs("PyTorch -> tapegrad in float64", back.logits64, float64_logits(model, back.inputs), back.labels,
                tolerance=1e-5)
