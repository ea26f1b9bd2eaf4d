#!/usr/bin/python3
"""An optimizer's state both ways between PyTorch 1.13 and tapegrad, through .pt files
(optim/torch_state.hpp), for Adam (amsgrad, weight decay) and SGD (momentum, dampening, Nesterov off):
  1. PyTorch trains a small model 3 steps and torch.saves the model's and the optimizer's state_dicts;
  2. tapegrad (optim_exchange) loads both, takes steps 4-6, and writes both back with tg::save;
  3. PyTorch loads tapegrad's files (the optimizer's with weights_only=False: 1.13's weights_only
     unpickler cannot read its floats) and takes steps 7-9.
The weights after steps 6 and 9 agree with PyTorch's uninterrupted run within 1e-5.

  check_torch_optim.py <optim_exchange binary> <work dir>

Skips (exit 77, reason printed) without python3-torch, unless TAPEGRAD_CI is set.
"""
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
from consumer_common import require_modules  # noqa: E402

(torch,) = require_modules(("torch", "python3-torch"))
tool, work = sys.argv[1:3]
nn = torch.nn
torch.set_num_threads(1)


def make_model():
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))


def train(model, optimizer, batches):
    for x, y in batches:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()


def check_close(what, state, reference, tolerance=1e-5):
    assert list(state) == list(reference), f"{what}: names {list(state)} vs {list(reference)}"
    worst = max(float((state[k] - reference[k]).abs().max()) for k in state)
    print(f"{what}: max |difference| {worst:.2e}")
    assert worst <= tolerance, f"{what}: weights differ by {worst:.3g} (> {tolerance:g})"


optimizers = {
    "adam": lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True),
    "sgd": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01),
}
for name, make_optimizer in optimizers.items():
    folder = os.path.join(work, name)
    os.makedirs(folder, exist_ok=True)
    torch.manual_seed(5)
    batches = [(torch.randn(16, 4), torch.randint(0, 3, (16,))) for _ in range(9)]
    model = make_model()
    optimizer = make_optimizer(model.parameters())
    train(model, optimizer, batches[:3])
    torch.save(model.state_dict(), os.path.join(folder, "model.pt"))
    torch.save(optimizer.state_dict(), os.path.join(folder, "optimizer.pt"))
    torch.save({"x": [x for x, _ in batches[3:6]], "y": [y for _, y in batches[3:6]]}, os.path.join(folder, "batches.pt"))
    train(model, optimizer, batches[3:6])
    after_six = {k: v.clone() for k, v in model.state_dict().items()}
    train(model, optimizer, batches[6:])

    run = subprocess.run([tool, name, folder], capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"{tool} failed ({run.returncode}): {run.stderr}")
    continued = make_model()
    continued.load_state_dict(torch.load(os.path.join(folder, "tapegrad_model.pt"), weights_only=True))
    check_close(f"{name}: steps 4-6 in tapegrad vs PyTorch", continued.state_dict(), after_six)
    state = torch.load(os.path.join(folder, "tapegrad_optimizer.pt"), weights_only=False)
    if name == "adam":  # PyTorch 1.13's own layout: the step count a 0-d float32 tensor
        step = state["state"][0]["step"]
        assert torch.is_tensor(step) and step.dtype == torch.float32 and step.dim() == 0 and float(step) == 6, step
    resumed = make_optimizer(continued.parameters())
    resumed.load_state_dict(state)
    train(continued, resumed, batches[6:])
    check_close(f"{name}: steps 7-9 in PyTorch after tapegrad's state", continued.state_dict(), model.state_dict())
