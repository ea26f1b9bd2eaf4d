// The Module API: names, register_module by value, apply/named_modules/children, num_parameters, the
// deep clone(), the options every module exposes, and the containers ModuleList and ModuleDict.
#include <catch2/catch.hpp>

#include <concepts>
#include <set>
#include <sstream>

#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;
namespace nn = tapegrad::nn;

namespace {

// A user-defined model registering children by value and by shared_ptr.
class Net : public nn::Module {
 public:
  Net() {
    fc = &register_module("fc", nn::Linear(3, 4));                    // by value
    norm = &register_module("norm", std::make_shared<nn::LayerNorm>(nn::LayerNormOptions({4})));  // shared
    blocks = &register_module("blocks", nn::ModuleList());
    blocks->push_back(nn::Linear(4, 4));
    blocks->push_back(std::make_shared<nn::GELU>());
    register_buffer("steps", tg::zeros({1}));
  }
  tg::Tensor forward(const tg::Tensor& x) const {
    tg::Tensor h = (*norm)(fc->forward(x));
    h = blocks->at<nn::Linear>(0)(h);
    return blocks->at<nn::GELU>(1)(h);
  }
  std::shared_ptr<nn::Module> clone() const override { return clone_as<Net>(); }
  std::string repr() const override { return "Net"; }

  nn::Linear* fc;
  nn::LayerNorm* norm;
  nn::ModuleList* blocks;
};

std::string str(const nn::Module& m) {
  std::ostringstream s;
  s << m;
  return s.str();
}

}  // namespace

namespace user_code {
// A user's modules that do not override repr(): they print as their class, as in libtorch.
struct Encoder : nn::Module {
  Encoder() { register_module("fc", nn::Linear(2, 3)); }
};
struct Twice : nn::Module {
  tg::Tensor forward(const tg::Tensor& x) const { return x * 2.0; }
};
}  // namespace user_code

TEST_CASE("a user's module prints as its class name (libtorch's Module::name())", "[nn][module]") {
  user_code::Encoder encoder;
  CHECK(encoder.name() == "user_code::Encoder");
  CHECK(str(encoder) == "user_code::Encoder(\n  (fc): Linear(in_features=2, out_features=3, bias=true)\n)");
  CHECK(str(user_code::Twice{}) == "user_code::Twice");
  nn::Sequential seq(user_code::Twice{}, nn::ReLU{});
  CHECK(str(seq) == "Sequential(\n  (0): user_code::Twice\n  (1): ReLU()\n)");
  CHECK(nn::Linear(2, 3).name() == "tapegrad::nn::Linear");  // name() is the class; repr() the layer's own text
}

TEST_CASE("register_module takes a module by value as well as by shared_ptr", "[nn][module]") {
  Net net;
  std::vector<std::string> names;
  for (const auto& [name, p] : net.named_parameters()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"fc.weight", "fc.bias", "norm.weight", "norm.bias", "blocks.0.weight", "blocks.0.bias"});
  CHECK(net.fc->weight.is_same(net.named_parameters()[0].second));
  CHECK(net.forward(tg::ones({2, 3})).shape() == tg::Shape{2, 4});
}

TEST_CASE("named_modules, modules, children and apply walk the tree depth first", "[nn][module]") {
  Net net;
  std::vector<std::string> names;
  for (const auto& [name, m] : net.named_modules()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"", "fc", "norm", "blocks", "blocks.0", "blocks.1"});
  CHECK(net.named_modules()[0].second.get() == &net);
  CHECK(net.named_modules(false).size() == 5);
  CHECK(net.modules().size() == 6);
  CHECK(net.children().size() == 3);
  CHECK(net.children()[2].get() == net.blocks);

  std::vector<std::string> visited;
  net.apply([&](nn::Module& m) { visited.push_back(m.repr()); });
  CHECK(visited.size() == 6);
  CHECK(visited[0] == "Net");
  CHECK(visited[5] == "GELU(approximate='none')");
  // apply is how a user re-initialises every Linear.
  net.apply([](nn::Module& m) {
    if (auto* linear = dynamic_cast<nn::Linear*>(&m)) {
      tg::NoGradGuard no_grad;
      linear->weight.fill_(0.5);
    }
  });
  CHECK(tg::to_vector<double>(net.fc->weight)[0] == 0.5);
  CHECK(tg::to_vector<double>(net.blocks->at<nn::Linear>(0).weight)[3] == 0.5);
}

TEST_CASE("num_parameters counts parameter elements, optionally only trainable ones", "[nn][module]") {
  Net net;
  CHECK(net.num_parameters() == 3 * 4 + 4 + 4 + 4 + 16 + 4);
  net.fc->weight.requires_grad_(false);
  CHECK(net.num_parameters(true) == 4 + 4 + 4 + 16 + 4);
}

TEST_CASE("clone() is deep: parameters, buffers, requires_grad and training mode, nothing shared", "[nn][module]") {
  tg::manual_seed(3);
  Net net;
  net.fc->weight.requires_grad_(false);
  {
    tg::NoGradGuard no_grad;
    net.named_buffers()[0].second.fill_(7.0);
  }
  net.blocks->eval();  // only the subtree
  auto copy = std::dynamic_pointer_cast<Net>(net.clone());
  REQUIRE(copy);
  const auto a = net.named_parameters(), b = copy->named_parameters();
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO(a[i].first);
    CHECK(a[i].first == b[i].first);
    CHECK(tg::to_vector<double>(a[i].second) == tg::to_vector<double>(b[i].second));
    CHECK(a[i].second.requires_grad() == b[i].second.requires_grad());
    CHECK(a[i].second.impl()->storage != b[i].second.impl()->storage);
  }
  CHECK(tg::to_vector<double>(copy->named_buffers()[0].second) == std::vector<double>{7.0});
  CHECK(copy->is_training());
  CHECK(!copy->blocks->is_training());
  CHECK(!copy->blocks->at<nn::Linear>(0).is_training());
  // The clone's member handles are its own registered parameters...
  CHECK(copy->fc->weight.is_same(b[0].second));
  // ...and training it leaves the original alone.
  const auto before = tg::to_vector<double>(net.blocks->at<nn::Linear>(0).weight);
  {
    tg::NoGradGuard no_grad;
    copy->blocks->at<nn::Linear>(0).weight.fill_(0.0);
  }
  CHECK(tg::to_vector<double>(net.blocks->at<nn::Linear>(0).weight) == before);
  // Same outputs.
  const tg::Tensor x = tg::randn({2, 3});
  auto fresh = std::dynamic_pointer_cast<Net>(net.clone());
  CHECK(tg::to_vector<double>(fresh->forward(x)) == tg::to_vector<double>(net.forward(x)));
}

TEST_CASE("clone() of Sequential, ModuleDict, losses and float64 modules", "[nn][module]") {
  nn::Sequential seq(nn::Linear(2, 3), nn::SiLU(), nn::Linear(3, 1));
  seq.to(tg::kFloat64);
  auto copy = std::dynamic_pointer_cast<nn::Sequential>(seq.clone());
  REQUIRE(copy);
  const tg::Tensor x = tg::randn({4, 2}, tg::kFloat64);
  CHECK(tg::to_vector<double>(copy->forward(x)) == tg::to_vector<double>(seq.forward(x)));
  CHECK(copy->at<nn::Linear>(0).weight.dtype() == tg::kFloat64);
  CHECK(str(*copy) == str(seq));

  nn::ModuleDict heads;
  heads.insert("a", nn::Linear(2, 2));
  heads.insert("b", nn::Identity());
  auto heads_copy = std::dynamic_pointer_cast<nn::ModuleDict>(heads.clone());
  REQUIRE(heads_copy);
  CHECK(heads_copy->keys() == std::vector<std::string>{"a", "b"});
  CHECK(&heads_copy->at<nn::Linear>("a") != &heads.at<nn::Linear>("a"));

  nn::CrossEntropyLoss ce(nn::CrossEntropyLossOptions().weight(tg::tensor({1.0, 2.0})));
  auto ce_copy = std::dynamic_pointer_cast<nn::CrossEntropyLoss>(ce.clone());
  REQUIRE(ce_copy);
  CHECK(!ce_copy->options.weight().is_same(ce.options.weight()));
  CHECK(tg::to_vector<double>(ce_copy->options.weight()) == std::vector<double>{1.0, 2.0});

  class Custom : public nn::Module {};
  Custom custom;
  CHECK_THROWS_WITH(custom.clone(), Catch::Contains("clone() is not implemented for ") &&
                                        Catch::Contains("::Custom; override it"));
}

// Every module with options keeps them as libtorch's modules do: a public member `options` of its
// Options type (LinearImpl::options), not a getter.
template <class M, class O>
concept ExposesOptions = requires(M& m) { { m.options } -> std::same_as<O&>; };

TEST_CASE("every module exposes its options as a public `options` member of its Options type", "[nn][module]") {
  STATIC_REQUIRE(ExposesOptions<nn::Linear, nn::LinearOptions>);
  STATIC_REQUIRE(ExposesOptions<nn::Flatten, nn::FlattenOptions>);
  STATIC_REQUIRE(ExposesOptions<nn::Unflatten, nn::UnflattenOptions>);
  STATIC_REQUIRE(ExposesOptions<nn::Conv2d, nn::Conv2dOptions>);
  STATIC_REQUIRE(ExposesOptions<nn::MaxPool2d, nn::MaxPool2dOptions>);
  STATIC_REQUIRE(ExposesOptions<nn::AvgPool2d, nn::AvgPool2dOptions>);
  STATIC_REQUIRE(ExposesOptions<nn::AdaptiveAvgPool2d, nn::AdaptiveAvgPool2dOptions>);
  STATIC_REQUIRE(ExposesOptions<nn::Dropout, nn::DropoutOptions>);
  STATIC_REQUIRE(ExposesOptions<nn::Dropout2d, nn::DropoutOptions>);
  STATIC_REQUIRE(ExposesOptions<nn::BatchNorm1d, nn::BatchNormOptions>);
  STATIC_REQUIRE(ExposesOptions<nn::BatchNorm2d, nn::BatchNormOptions>);
  STATIC_REQUIRE(ExposesOptions<nn::LayerNorm, nn::LayerNormOptions>);
  STATIC_REQUIRE(ExposesOptions<nn::Embedding, nn::EmbeddingOptions>);
  STATIC_REQUIRE(ExposesOptions<nn::Softmax, nn::SoftmaxOptions>);
  STATIC_REQUIRE(ExposesOptions<nn::LogSoftmax, nn::LogSoftmaxOptions>);
  STATIC_REQUIRE(ExposesOptions<nn::LeakyReLU, nn::LeakyReLUOptions>);
  STATIC_REQUIRE(ExposesOptions<nn::ELU, nn::ELUOptions>);
  STATIC_REQUIRE(ExposesOptions<nn::GELU, nn::GELUOptions>);
  STATIC_REQUIRE(ExposesOptions<nn::Softplus, nn::SoftplusOptions>);
  STATIC_REQUIRE(ExposesOptions<nn::Hardtanh, nn::HardtanhOptions>);
  STATIC_REQUIRE(ExposesOptions<nn::NLLLoss, nn::NLLLossOptions>);
  STATIC_REQUIRE(ExposesOptions<nn::CrossEntropyLoss, nn::CrossEntropyLossOptions>);
  STATIC_REQUIRE(ExposesOptions<nn::BCELoss, nn::BCELossOptions>);
  STATIC_REQUIRE(ExposesOptions<nn::BCEWithLogitsLoss, nn::BCEWithLogitsLossOptions>);
  STATIC_REQUIRE(ExposesOptions<nn::MSELoss, nn::MSELossOptions>);
  STATIC_REQUIRE(ExposesOptions<nn::L1Loss, nn::L1LossOptions>);
  STATIC_REQUIRE(ExposesOptions<nn::GaussianNLLLoss, nn::GaussianNLLLossOptions>);

  // The member holds what the module was built with (Embedding's padding_idx counted from the start),
  // and forward reads it.
  nn::Conv2d conv(nn::Conv2dOptions(1, 2, 3).stride(2).bias(false));
  CHECK(conv.options.stride()[1] == 2);
  CHECK(!conv.options.bias());
  CHECK(nn::Embedding(nn::EmbeddingOptions(5, 3).padding_idx(-2)).options.padding_idx() == 3);
  CHECK(nn::Softmax(-1).options.dim() == -1);
  CHECK(nn::LogSoftmax(nn::LogSoftmaxOptions(0)).repr() == "LogSoftmax(dim=0)");
  nn::Dropout dropout(nn::DropoutOptions(0.25));
  CHECK(dropout.options.p() == 0.25);
  dropout.options.p(1.0);  // as libtorch, the options are the module's state
  CHECK(tg::to_vector<float>(dropout(tg::ones({4}))) == std::vector<float>(4, 0.0f));
}

TEST_CASE("ModuleList: push_back, indexing, iteration and errors", "[nn][container]") {
  nn::ModuleList list;
  list.push_back(nn::Linear(2, 2));
  list.push_back(std::make_shared<nn::ReLU>());
  CHECK(list.size() == 2);
  CHECK(list[-1].repr() == "ReLU()");
  std::size_t n = 0;
  for (const auto& m : list) n += m != nullptr;
  CHECK(n == 2);
  CHECK(list.parameters().size() == 2);
  CHECK_THROWS_AS(list[2], std::out_of_range);
  CHECK_THROWS_AS(list.at<nn::Linear>(1), std::invalid_argument);
  CHECK(str(list) == "ModuleList(\n  (0): Linear(in_features=2, out_features=2, bias=true)\n  (1): ReLU()\n)");
}

TEST_CASE("ModuleDict: insert, lookup, order and errors", "[nn][container]") {
  nn::ModuleDict dict;
  dict.insert("encoder", nn::Linear(2, 3));
  dict.insert("act", nn::GELU(nn::GELUOptions().approximate("tanh")));
  CHECK(dict.contains("act"));
  CHECK(!dict.contains("decoder"));
  CHECK(dict["act"].repr() == "GELU(approximate='tanh')");
  CHECK(dict.named_parameters()[0].first == "encoder.weight");
  CHECK_THROWS_WITH(dict["decoder"], "ModuleDict: no module under the key \"decoder\"");
  CHECK_THROWS_AS(dict.insert("act", nn::Identity()), std::invalid_argument);
  CHECK_THROWS_AS(dict.insert("a.b", nn::Identity()), std::invalid_argument);
}
