// MNIST on the real files in data/mnist, raw vs gzip, and bad MNIST folders.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <numeric>
#include <tapegrad/tapegrad.hpp>

#include "../support/files.hpp"

namespace tg = tapegrad;
namespace ds = tapegrad::datasets;
using namespace support;
using Mode = ds::MNIST::Mode;

namespace {

const std::filesystem::path kData = std::filesystem::path(TAPEGRAD_SOURCE_DIR) / "data" / "mnist";

std::array<int, 10> class_counts(const ds::MNIST& mnist) {
  std::array<int, 10> counts{};
  for (const auto label : mnist.labels()) ++counts.at(label);
  return counts;
}

std::int64_t pixel_sum(const ds::MNIST& mnist) {
  return std::accumulate(mnist.images().begin(), mnist.images().end(), std::int64_t{0});
}

}  // namespace

// Reference values: the files' own README (per-class counts of the training subset) and Python's
// gzip module reading the same files (first labels, pixel sums).
TEST_CASE("MNIST loads the official test set from data/mnist", "[datasets]") {
  const ds::MNIST test(kData, Mode::kTest);
  REQUIRE(test.size() == 10000);
  CHECK_FALSE(test.is_train());
  CHECK(test.rows() == 28);
  CHECK(test.cols() == 28);
  CHECK(test.images().size() == 10000u * 784u);
  const std::vector<std::uint8_t> first(test.labels().begin(), test.labels().begin() + 10);
  CHECK(first == std::vector<std::uint8_t>{7, 2, 1, 0, 4, 1, 4, 9, 5, 9});
  CHECK(class_counts(test) == std::array<int, 10>{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009});
  CHECK(pixel_sum(test) == 264923200);
}

TEST_CASE("MNIST loads the 10,000-digit training subset from data/mnist", "[datasets]") {
  const ds::MNIST train(kData, Mode::kTrain);
  REQUIRE(train.size() == 10000);
  CHECK(train.is_train());
  const std::vector<std::uint8_t> first(train.labels().begin(), train.labels().begin() + 10);
  CHECK(first == std::vector<std::uint8_t>{2, 1, 6, 1, 2, 6, 6, 2, 3, 1});
  CHECK(class_counts(train) == std::array<int, 10>{1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978});
  CHECK(pixel_sum(train) == 262146600);
}

TEST_CASE("MNIST examples and batches are flat float32 pixels / 255 with int64 labels", "[datasets]") {
  const ds::MNIST test(kData, Mode::kTest);
  const ds::Example first = test.get(0);
  CHECK(first.data.shape() == tg::Shape{784});
  CHECK(first.data.dtype() == tg::kFloat32);
  CHECK(first.target.dim() == 0);
  CHECK(first.target.dtype() == tg::kInt64);
  CHECK(first.target.item<std::int64_t>() == 7);
  CHECK(first.data.sum().item<double>() * 255.0 == Approx(18454.0).epsilon(1e-6));  // Python: sum of image 0

  const std::vector<std::int64_t> indices = {9999, 0, 4242, 0};
  const ds::Example batch = test.get_batch(indices);
  REQUIRE(batch.data.shape() == tg::Shape{4, 784});
  REQUIRE(batch.target.shape() == tg::Shape{4});
  const float* pixels = batch.data.data<float>();
  const auto* labels = batch.target.data<std::int64_t>();
  for (std::size_t b = 0; b < indices.size(); ++b) {
    const auto index = static_cast<std::size_t>(indices[b]);
    CHECK(labels[b] == test.labels()[index]);
    for (std::size_t p = 0; p < 784; ++p) {
      if (pixels[b * 784 + p] != static_cast<float>(test.images()[index * 784 + p]) / 255.0f) {
        FAIL("batch row " << b << " pixel " << p << " differs from image " << index);
      }
    }
  }
  CHECK(labels[0] == 6);  // Python: the last test label

  std::vector<std::int64_t> all(10000);
  std::iota(all.begin(), all.end(), 0);
  const auto whole = test.get_batch(all).data;
  const float* begin = whole.data<float>();
  const float* end = begin + whole.numel();
  CHECK(*std::min_element(begin, end) == 0.0f);
  CHECK(*std::max_element(begin, end) == 1.0f);
}

TEST_CASE("MNIST gives the same data from raw and gzip files", "[datasets]") {
  const ds::MNIST reference(kData, Mode::kTest);
  const Bytes images = idx_bytes(0x08, {10000, 28, 28}, reference.images());
  const Bytes labels = idx_bytes(0x08, {10000}, reference.labels());
  TempDir raw, gz, both;
  write_mnist(raw.path(), "t10k", images, labels, false);
  write_mnist(gz.path(), "t10k", images, labels, true);
  write_mnist(both.path(), "t10k", images, labels, false);
  write_mnist(both.path(), "t10k", images, labels, true);
  for (const auto* dir : {&raw, &gz, &both}) {
    const ds::MNIST mnist(dir->path(), Mode::kTest);
    CHECK(mnist.size() == 10000);
    CHECK(mnist.images() == reference.images());
    CHECK(mnist.labels() == reference.labels());
  }
}

TEST_CASE("MNIST takes counts and image size from the headers", "[datasets]") {
  TempDir dir;
  // 3 images of 2 x 5 pixels: no count or size is assumed.
  write_mnist(dir.path(), "train", idx_bytes(0x08, {3, 2, 5}, counting_bytes(30)), idx_bytes(0x08, {3}, {9, 0, 4}), true);
  const ds::MNIST mnist(dir.path());
  CHECK(mnist.size() == 3);
  CHECK(mnist.rows() == 2);
  CHECK(mnist.cols() == 5);
  const auto batch = mnist.get_batch(std::vector<std::int64_t>{2, 0});
  CHECK(batch.data.shape() == tg::Shape{2, 10});
  CHECK(tg::to_vector<std::int64_t>(batch.target) == std::vector<std::int64_t>{4, 9});
  CHECK(batch.data.data<float>()[0] == 20.0f / 255.0f);
}

TEST_CASE("MNIST rejects mismatched counts, out-of-range labels and wrong layouts", "[datasets]") {
  TempDir dir;
  const auto images_path = (dir / "train-images-idx3-ubyte").string();
  const auto labels_path = (dir / "train-labels-idx1-ubyte").string();
  const Bytes three_images = idx_bytes(0x08, {3, 28, 28}, Bytes(3 * 784, 0));

  write_mnist(dir.path(), "train", three_images, idx_bytes(0x08, {2}, {1, 2}), false);
  CHECK(mnist_error(dir.path()) == "MNIST: labels file '" + labels_path + "' has 2 labels, but images file '" +
                                       images_path + "' has 3 images");

  write_mnist(dir.path(), "train", three_images, idx_bytes(0x08, {3}, {1, 10, 2}), false);
  CHECK(mnist_error(dir.path()) == "MNIST: labels file '" + labels_path +
                                       "': label 10 of example 1 (byte offset 9 of the IDX data) is outside 0..9");

  write_mnist(dir.path(), "train", three_images, idx_bytes(0x08, {3}, {1, 2, 255}), false);
  CHECK(mnist_error(dir.path()) == "MNIST: labels file '" + labels_path +
                                       "': label 255 of example 2 (byte offset 10 of the IDX data) is outside 0..9");

  write_mnist(dir.path(), "train", idx_bytes(0x08, {3, 784}, Bytes(3 * 784, 0)), idx_bytes(0x08, {3}, {1, 2, 3}), false);
  CHECK(mnist_error(dir.path()) == "MNIST: images file '" + images_path + "' has 2 dimensions, expected 3");

  write_mnist(dir.path(), "train", three_images, idx_bytes(0x0C, {3}, Bytes(12, 0)), false);
  CHECK(mnist_error(dir.path()) == "MNIST: labels file '" + labels_path + "' has dtype int (0x0C), expected ubyte (0x08)");

  write_mnist(dir.path(), "train", idx_bytes(0x08, {0, 28, 28}, {}), idx_bytes(0x08, {0}, {}), false);
  CHECK(mnist_error(dir.path()) == "MNIST: images file '" + images_path +
                                       "' declares 0 images of 28 x 28 pixels; expected at least one non-empty image");

  write_mnist(dir.path(), "train", Bytes(three_images.begin(), three_images.end() - 1), idx_bytes(0x08, {3}, {1, 2, 3}),
              false);
  CHECK(mnist_error(dir.path()) == "IDX file '" + images_path +
                                       "': truncated at byte offset 2367: the header declares 3 x 28 x 28 ubyte (0x08) "
                                       "= 2352 payload bytes after the 16-byte header, but the file has only 2351");
}

TEST_CASE("MNIST says how to get the data when files are missing", "[datasets]") {
  const std::string how =
      "The repository ships MNIST in data/mnist (the 10,000 official test images and a 10,000-digit training subset); "
      "for the full 60,000-image training set run scripts/download_mnist.sh, which writes data/mnist-full.";
  TempDir dir;
  CHECK(mnist_error(dir.path(), Mode::kTest) == "MNIST: found neither '" + (dir / "t10k-images-idx3-ubyte").string() +
                                                    "' nor '" + (dir / "t10k-images-idx3-ubyte").string() + ".gz'. " + how);
  write_file(dir / "t10k-images-idx3-ubyte.gz", gzip_stored(idx_bytes(0x08, {1, 28, 28}, Bytes(784, 0))));
  CHECK(mnist_error(dir.path(), Mode::kTest) == "MNIST: found neither '" + (dir / "t10k-labels-idx1-ubyte").string() +
                                                    "' nor '" + (dir / "t10k-labels-idx1-ubyte").string() + ".gz'. " + how);
  CHECK(mnist_error(dir / "nowhere") == "MNIST: data folder '" + (dir / "nowhere").string() +
                                            "' does not exist or is not a folder. " + how);
}
