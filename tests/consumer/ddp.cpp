// The README's data-parallel loop built against the installed package and run on 2 MPI ranks: proves
// tapegrad::distributed's headers, library and MPI dependency resolve. Each rank starts from its own
// random weights; DistributedDataParallel must make the replicas identical and keep them so.
#include <tapegrad/distributed/collectives.hpp>
#include <tapegrad/distributed/data_parallel.hpp>
#include <tapegrad/tapegrad.hpp>

#include <algorithm>
#include <iostream>
#include <memory>

namespace tg = tapegrad;
namespace nn = tapegrad::nn;
namespace dist = tapegrad::distributed;

// Largest difference between this rank's parameters and rank 0's (0 on every rank when identical).
double max_difference_from_rank_0(nn::Module& model) {
  double worst = 0;
  for (tg::Tensor& p : model.parameters()) {
    tg::Tensor root = p.detach().clone();
    dist::broadcast(root, 0);
    worst = std::max(worst, tg::max(tg::abs(p.detach() - root)).item());
  }
  return worst;
}

int main(int argc, char** argv) {
  dist::Environment mpi(&argc, &argv);
  tg::manual_seed(0);  // the same data on every rank: y = 3x - 1 over 256 points
  const tg::Tensor inputs = tg::randn({256, 1});
  tg::datasets::TensorDataset train(inputs, inputs * 3.0 - 1.0);
  tg::manual_seed(1 + dist::rank());  // different initial weights on every rank
  nn::Sequential model(nn::Linear(1, 8), nn::Tanh(), nn::Linear(8, 1));
  nn::MSELoss criterion;
  tg::optim::SGD optimizer(model.parameters(), tg::optim::SGDOptions(0.05));

  auto sampler = std::make_shared<tg::datasets::DistributedSampler>(train.size(), dist::world_size(), dist::rank());
  tg::datasets::DataLoader loader(train, tg::datasets::DataLoaderOptions(32 / dist::world_size()).sampler(sampler));
  dist::DistributedDataParallel ddp(model);  // rank 0's weights everywhere
  const double start_difference = max_difference_from_rank_0(model);
  double first_loss = 0, last_loss = 0;
  for (int epoch = 0; epoch < 20; ++epoch) {
    sampler->set_epoch(epoch);
    double epoch_loss = 0;
    for (auto& [x, y] : loader) {
      optimizer.zero_grad();
      tg::Tensor loss = criterion(model.forward(x), y);
      loss.backward();  // also averages the gradients over the ranks
      optimizer.step();
      epoch_loss += loss.item();
    }
    (epoch == 0 ? first_loss : last_loss) = epoch_loss / static_cast<double>(loader.size());
  }
  const double end_difference = max_difference_from_rank_0(model);
  std::cout << "rank " << dist::rank() << " of " << dist::world_size() << ": loss " << first_loss << " -> "
            << last_loss << ", largest weight difference from rank 0 " << start_difference << " at the start, "
            << end_difference << " at the end\n";
  const bool ok = dist::world_size() == 2 && start_difference == 0 && end_difference == 0 && last_loss < first_loss / 10;
  return ok ? 0 : 1;
}
