// Parameters that are views of one flat buffer (as a fused optimizer or a data-parallel bucket lays
// them out): optimizers, nn::init and load_state_dict write through the views into the buffer.
#include <catch2/catch.hpp>

#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;
namespace nn = tg::nn;

namespace {

// Two parameters, 3x4 and 4, living at offsets 0 and 12 of one 16-element buffer.
struct FlatNet : nn::Module {
  tg::Tensor buffer = tg::zeros({16});
  tg::Tensor weight, bias;
  FlatNet() {
    tg::NoGradGuard no_grad;
    weight = register_parameter("weight", buffer.narrow(0, 0, 12).view({3, 4}));
    bias = register_parameter("bias", buffer.narrow(0, 12, 4));
  }
  tg::Tensor forward(const tg::Tensor& x) { return tg::linear(x, weight.t(), bias); }
};

}  // namespace

TEST_CASE("parameters that are views of one buffer: init, optimizer steps and loads write into it", "[core][views]") {
  FlatNet net;
  REQUIRE(net.weight.storage_offset() == 0);
  REQUIRE(net.bias.storage_offset() == 12);
  REQUIRE(net.weight.impl()->storage == net.buffer.impl()->storage);

  tg::manual_seed(0);
  nn::init::normal_(net.weight, 0, 1);
  nn::init::constant_(net.bias, 0.5);
  const auto after_init = tg::to_vector<float>(net.buffer);
  CHECK(after_init[12] == 0.5f);
  CHECK(after_init[15] == 0.5f);
  CHECK(after_init[0] == tg::to_vector<float>(net.weight)[0]);

  tg::optim::SGD sgd(net.parameters(), tg::optim::SGDOptions(0.1).momentum(0.9));
  const tg::Tensor x = tg::randn({5, 3});
  for (int step = 0; step < 3; ++step) {
    sgd.zero_grad();
    net.forward(x).pow(2).sum().backward();
    sgd.step();
  }
  // The views still alias the buffer, and the buffer holds what the parameters hold.
  CHECK(net.weight.impl()->storage == net.buffer.impl()->storage);
  const auto buffer = tg::to_vector<float>(net.buffer);
  const auto weight = tg::to_vector<float>(net.weight);
  const auto bias = tg::to_vector<float>(net.bias);
  for (std::size_t i = 0; i < 12; ++i) CHECK(buffer[i] == weight[i]);
  for (std::size_t i = 0; i < 4; ++i) CHECK(buffer[12 + i] == bias[i]);
  CHECK(buffer != after_init);

  FlatNet other;
  other.load_state_dict(net.state_dict());
  CHECK(tg::to_vector<float>(other.buffer) == buffer);

  tg::optim::Adam adam(other.parameters(), tg::optim::AdamOptions(0.01));
  adam.zero_grad();
  other.forward(x).sum().backward();
  adam.step();
  const auto moved = tg::to_vector<float>(other.buffer);
  const auto bias_after = tg::to_vector<float>(other.bias);
  for (std::size_t i = 0; i < 4; ++i) CHECK(moved[12 + i] == bias_after[i]);
  CHECK(moved != buffer);
}
