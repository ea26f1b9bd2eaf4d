// The tapegrad side of tests/consumers/check_torch_optim.py: continues a training run PyTorch began.
//   optim_exchange adam|sgd DIR
// reads DIR/model.pt (a state_dict), DIR/optimizer.pt (torch.save(optimizer.state_dict())) and
// DIR/batches.pt ({"x": [tensors], "y": [tensors]}), takes one step per batch, and writes
// DIR/tapegrad_model.pt and DIR/tapegrad_optimizer.pt for PyTorch to continue from.
#include <tapegrad/core/io/pt.hpp>
#include <tapegrad/tapegrad.hpp>

#include <cstdio>
#include <memory>
#include <string>

namespace tg = tapegrad;
namespace nn = tapegrad::nn;
namespace optim = tapegrad::optim;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: optim_exchange adam|sgd DIR\n");
    return 2;
  }
  try {
    const std::string kind = argv[1], dir = argv[2];
    nn::Sequential model(nn::Linear(4, 8), nn::Tanh(), nn::Linear(8, 3));
    tg::load(model, dir + "/model.pt");
    // Placeholder options: the file's replace them.
    std::unique_ptr<optim::Optimizer> optimizer;
    if (kind == "adam") optimizer = std::make_unique<optim::Adam>(model.parameters(), optim::AdamOptions(1));
    else optimizer = std::make_unique<optim::SGD>(model.parameters(), optim::SGDOptions(1));
    tg::load(*optimizer, dir + "/optimizer.pt");
    const tg::io::PtValue batches = tg::io::read_pt(dir + "/batches.pt");
    const auto& xs = batches.find("x")->items();
    const auto& ys = batches.find("y")->items();
    for (std::size_t i = 0; i < xs.size(); ++i) {
      optimizer->zero_grad();
      nn::CrossEntropyLoss()(model(xs[i].as_tensor()), ys[i].as_tensor()).backward();
      optimizer->step();
    }
    tg::save(model, dir + "/tapegrad_model.pt");
    tg::save(*optimizer, dir + "/tapegrad_optimizer.pt");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "optim_exchange: %s\n", e.what());
    return 1;
  }
}
