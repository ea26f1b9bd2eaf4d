// A 2-rank training loop in which rank 1 fails on purpose (argv[1]: kill | throw | skip_step), so the
// tests can check the whole job ends, non-zero, naming rank 1, instead of hanging.
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>

#include <tapegrad/distributed/collectives.hpp>
#include <tapegrad/distributed/data_parallel.hpp>
#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;
namespace dist = tapegrad::distributed;

int main(int argc, char** argv) {
  const std::string fault = argc > 1 ? argv[1] : "";
  dist::Environment mpi(&argc, &argv);
  try {
    tg::nn::Sequential model(tg::nn::Linear(16, 16), tg::nn::ReLU(), tg::nn::Linear(16, 4));
    dist::DistributedDataParallel ddp(model);
    const bool faulty = dist::rank() == 1;
    for (int step = 0; step < 200; ++step) {
      if (faulty && step == 20) {
        if (fault == "kill") std::raise(SIGKILL);
        if (fault == "throw") throw std::runtime_error("injected failure at step 20");
        if (fault == "skip_step") continue;  // this rank silently skips a batch
      }
      model.zero_grad();
      ddp.set_step(step);
      tg::sum(model.forward(tg::ones({8, 16}))).backward();  // averages the gradients as it ends
    }
  } catch (const std::exception& e) {
    dist::abort_job(e.what());
  }
  return 0;
}
