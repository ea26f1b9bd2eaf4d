// Embedding and LayerNorm modules: values, gradients, printing and PyTorch's messages.
#include <catch2/catch.hpp>

#include <cmath>

#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;
namespace nn = tapegrad::nn;

TEST_CASE("Embedding: lookup, padding_idx, from_pretrained and errors", "[nn][embedding]") {
  tg::manual_seed(0);
  nn::Embedding emb(nn::EmbeddingOptions(5, 3).padding_idx(-1));
  CHECK(*emb.options.padding_idx() == 4);
  CHECK(tg::to_vector<double>(tg::sum(tg::abs(emb.weight), {1})).back() == 0.0);  // the padding row starts at 0
  CHECK(emb.repr() == "Embedding(5, 3, padding_idx=4)");
  const tg::Tensor idx = tg::from_vector(std::vector<std::int64_t>{0, 4, 4, 2}, {2, 2});
  const tg::Tensor out = emb(idx);
  CHECK(out.shape() == tg::Shape{2, 2, 3});
  tg::sum(out).backward();
  const auto g = tg::to_vector<double>(emb.weight.grad());
  CHECK(std::vector<double>(g.begin() + 12, g.end()) == std::vector<double>{0, 0, 0});  // padding row: no gradient
  CHECK(std::vector<double>(g.begin(), g.begin() + 3) == std::vector<double>{1, 1, 1});

  const tg::Tensor table = tg::tensor({{1.0, 2.0}, {3.0, 4.0}});
  nn::Embedding frozen = nn::Embedding::from_pretrained(table);
  CHECK(!frozen.weight.requires_grad());
  CHECK(tg::to_vector<double>(frozen(tg::from_vector(std::vector<std::int64_t>{1}, {1}))) == std::vector<double>{3, 4});
  CHECK(nn::Embedding::from_pretrained(table, nn::EmbeddingFromPretrainedOptions().freeze(false)).weight.requires_grad());

  CHECK_THROWS_WITH(emb(tg::tensor({1.0})), Catch::Contains("'indices' to have scalar type int64; but got float32"));
  CHECK_THROWS_AS(emb(tg::from_vector(std::vector<std::int64_t>{5}, {1})), std::out_of_range);
  CHECK_THROWS_WITH(nn::Embedding(nn::EmbeddingOptions(3, 2).padding_idx(3)), Catch::Contains("Padding_idx must be within num_embeddings"));
  CHECK_THROWS_AS(nn::Embedding::from_pretrained(tg::ones({3})), std::invalid_argument);
}

TEST_CASE("LayerNorm: normalises the trailing dims, affine parameters, messages", "[nn][normalization]") {
  nn::LayerNorm ln(nn::LayerNormOptions({2, 3}).eps(1e-5));
  CHECK(ln.repr() == "LayerNorm((2,3), eps=1e-05, elementwise_affine=True)");
  CHECK(ln.parameters().size() == 2);
  const tg::Tensor y = ln(tg::randn({4, 2, 3}));
  const auto mean = tg::to_vector<double>(tg::mean(y, {1, 2}));
  for (double m : mean) CHECK(std::abs(m) < 1e-6);
  nn::LayerNorm plain(nn::LayerNormOptions({3}).elementwise_affine(false));
  CHECK(plain.parameters().empty());
  CHECK(plain.repr() == "LayerNorm((3,), eps=1e-05, elementwise_affine=False)");
  CHECK_THROWS_WITH(ln(tg::randn({2, 3, 2})),
                    "Given normalized_shape=[2, 3], expected input with shape [*, 2, 3], but got input of size[2, 3, 2]");
}
