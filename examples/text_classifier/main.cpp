// A bag-of-embeddings text classifier on a small synthetic task, written with nn's layers:
// Embedding (padding_idx), LayerNorm, GELU and a ModuleList of blocks.
//
// Task: "sentences" of 3 to 8 tokens from a vocabulary of 60 (token 0 pads them to length 8). Each of
// 4 classes owns 10 signal words; a sentence of class c holds 2 or 3 of c's words among noise words
// (40..59). The model averages the embeddings of the real tokens, normalises, and classifies.
// Exits non-zero unless the loss falls and the held-out accuracy reaches 90% (ctest runs it).
#include <cstdio>
#include <random>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;
namespace nn = tapegrad::nn;

namespace {

constexpr std::int64_t kVocab = 60, kPad = 0, kLength = 8, kClasses = 4, kDim = 16, kHidden = 32;

struct Batch {
  tg::Tensor tokens;   // (N, kLength) int64, padded with kPad
  tg::Tensor lengths;  // (N, 1) float32: real tokens per sentence
  tg::Tensor labels;   // (N) int64
};

Batch make_data(std::int64_t n, std::mt19937_64& rng) {
  std::vector<std::int64_t> tokens(static_cast<std::size_t>(n * kLength), kPad), labels;
  std::vector<float> lengths;
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t c = static_cast<std::int64_t>(rng() % kClasses);
    const std::int64_t len = 3 + static_cast<std::int64_t>(rng() % 6);
    const std::int64_t signal = 2 + static_cast<std::int64_t>(rng() % 2);
    for (std::int64_t k = 0; k < len; ++k) {
      const bool is_signal = k < signal;
      const std::int64_t word = is_signal ? 1 + c * 10 + static_cast<std::int64_t>(rng() % 10) : 40 + static_cast<std::int64_t>(rng() % 20);
      tokens[static_cast<std::size_t>(i * kLength + k)] = word;
    }
    labels.push_back(c);
    lengths.push_back(static_cast<float>(len));
  }
  return {tg::from_vector(tokens, {n, kLength}), tg::from_vector(lengths, {n, 1}), tg::from_vector(labels, {n})};
}

class BagOfEmbeddings : public nn::Module {
 public:
  BagOfEmbeddings() {
    embedding = &register_module("embedding", nn::Embedding(nn::EmbeddingOptions(kVocab, kDim).padding_idx(kPad)));
    norm = &register_module("norm", nn::LayerNorm(nn::LayerNormOptions({kDim})));
    blocks = &register_module("blocks", nn::ModuleList());
    blocks->push_back(nn::Linear(kDim, kHidden));
    blocks->push_back(nn::GELU());
    blocks->push_back(nn::Linear(kHidden, kClasses));
  }

  tg::Tensor forward(const Batch& batch) const {
    // The padding row is zeros and gets no gradient, so a sum over the sentence counts real words only.
    const tg::Tensor bag = tg::sum((*embedding)(batch.tokens), {1}) / batch.lengths;
    tg::Tensor h = (*norm)(bag);
    h = blocks->at<nn::Linear>(0)(h);
    h = blocks->at<nn::GELU>(1)(h);
    return blocks->at<nn::Linear>(2)(h);
  }
  std::shared_ptr<nn::Module> clone() const override { return clone_as<BagOfEmbeddings>(); }
  std::string repr() const override { return "BagOfEmbeddings"; }

  nn::Embedding* embedding;
  nn::LayerNorm* norm;
  nn::ModuleList* blocks;
};

double accuracy(const tg::Tensor& logits, const tg::Tensor& labels) {
  const auto predicted = tg::to_vector<std::int64_t>(tg::argmax(logits, 1));
  const auto truth = tg::to_vector<std::int64_t>(labels);
  std::size_t right = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) right += predicted[i] == truth[i];
  return static_cast<double>(right) / static_cast<double>(truth.size());
}

}  // namespace

int main() {
  tg::manual_seed(7);
  std::mt19937_64 rng(11);
  const Batch train = make_data(512, rng), test = make_data(256, rng);
  BagOfEmbeddings model;
  std::printf("%lld parameters\n", static_cast<long long>(model.num_parameters()));
  tg::optim::SGD sgd(model.parameters(), tg::optim::SGDOptions(0.2).momentum(0.9));
  nn::CrossEntropyLoss criterion;

  constexpr std::int64_t kBatch = 64, kEpochs = 15;
  double first_loss = 0, last_loss = 0;
  for (std::int64_t epoch = 0; epoch < kEpochs; ++epoch) {
    double total = 0;
    std::int64_t batches = 0;
    for (std::int64_t start = 0; start < 512; start += kBatch) {
      using tg::indexing::Slice;
      const Batch b{train.tokens.index({Slice(start, start + kBatch)}), train.lengths.index({Slice(start, start + kBatch)}),
                    train.labels.index({Slice(start, start + kBatch)})};
      sgd.zero_grad();
      const tg::Tensor loss = criterion(model.forward(b), b.labels);
      loss.backward();
      sgd.step();
      total += loss.item();
      ++batches;
    }
    const double mean_loss = total / static_cast<double>(batches);
    if (epoch == 0) first_loss = mean_loss;
    last_loss = mean_loss;
    tg::NoGradGuard no_grad;
    model.eval();
    const double acc = accuracy(model.forward(test), test.labels);
    model.train();
    std::printf("epoch %2lld  loss %.4f  test accuracy %.3f\n", static_cast<long long>(epoch + 1), mean_loss, acc);
  }
  tg::NoGradGuard no_grad;
  const double final_acc = accuracy(model.forward(test), test.labels);
  const bool ok = last_loss < 0.5 * first_loss && final_acc >= 0.9;
  std::printf("%s: loss %.4f -> %.4f, test accuracy %.3f\n", ok ? "trained" : "FAILED", first_loss, last_loss, final_acc);
  return ok ? 0 : 1;
}
