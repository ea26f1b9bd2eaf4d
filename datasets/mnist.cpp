#include "mnist.hpp"

#include <stdexcept>
#include <string>

#include "idx.hpp"

namespace tapegrad::datasets {
namespace {

constexpr int kNumClasses = 10;
constexpr float kPixelScale = 255.0f;

const char* kHowToGetData =
    "The repository ships MNIST in data/mnist (the 10,000 official test images and a 10,000-digit training "
    "subset); for the full 60,000-image training set run scripts/download_mnist.sh, which writes data/mnist-full";

// <root>/<stem>, else <root>/<stem>.gz.
std::filesystem::path find_file(const std::filesystem::path& root, const std::string& stem) {
  if (!std::filesystem::is_directory(root)) {
    throw std::runtime_error("MNIST: data folder '" + root.string() + "' does not exist or is not a folder. " +
                             kHowToGetData + ".");
  }
  for (const auto& candidate : {root / stem, root / (stem + ".gz")})
    if (std::filesystem::exists(candidate)) return candidate;
  throw std::runtime_error("MNIST: found neither '" + (root / stem).string() + "' nor '" + (root / stem).string() +
                           ".gz'. " + kHowToGetData + ".");
}

IdxArray read_ubyte(const std::filesystem::path& path, std::size_t ndims, const char* what) {
  IdxArray array = read_idx(path);
  if (array.dtype != IdxDtype::kUint8) {
    throw std::runtime_error("MNIST: " + std::string(what) + " file '" + path.string() + "' has dtype " +
                             idx_dtype_name(array.dtype) + ", expected ubyte (0x08)");
  }
  if (array.shape.size() != ndims) {
    throw std::runtime_error("MNIST: " + std::string(what) + " file '" + path.string() + "' has " +
                             std::to_string(array.shape.size()) + " dimensions, expected " + std::to_string(ndims));
  }
  return array;
}

void to_unit_float(const std::uint8_t* pixels, std::size_t n, float* out) {
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(pixels[i]) / kPixelScale;
}

}  // namespace

MNIST::MNIST(const std::filesystem::path& root, Mode mode) : mode_(mode) {
  const std::string prefix = mode == Mode::kTrain ? "train" : "t10k";
  const auto images_path = find_file(root, prefix + "-images-idx3-ubyte");
  const auto labels_path = find_file(root, prefix + "-labels-idx1-ubyte");
  IdxArray images = read_ubyte(images_path, 3, "images");
  IdxArray labels = read_ubyte(labels_path, 1, "labels");

  count_ = images.shape[0];
  rows_ = images.shape[1];
  cols_ = images.shape[2];
  if (count_ == 0 || rows_ == 0 || cols_ == 0) {
    throw std::runtime_error("MNIST: images file '" + images_path.string() + "' declares " + std::to_string(count_) +
                             " images of " + std::to_string(rows_) + " x " + std::to_string(cols_) +
                             " pixels; expected at least one non-empty image");
  }
  if (labels.shape[0] != count_) {
    throw std::runtime_error("MNIST: labels file '" + labels_path.string() + "' has " +
                             std::to_string(labels.shape[0]) + " labels, but images file '" + images_path.string() +
                             "' has " + std::to_string(count_) + " images");
  }
  for (std::size_t i = 0; i < labels.bytes.size(); ++i) {
    if (labels.bytes[i] >= kNumClasses) {
      throw std::runtime_error("MNIST: labels file '" + labels_path.string() + "': label " +
                               std::to_string(labels.bytes[i]) + " of example " + std::to_string(i) +
                               " (byte offset " + std::to_string(labels.header_bytes + i) +
                               " of the IDX data) is outside 0..9");
    }
  }
  images_ = std::move(images.bytes);
  labels_ = std::move(labels.bytes);
}

Example MNIST::fetch(std::int64_t index) const {
  const std::size_t pixels = static_cast<std::size_t>(rows_ * cols_);
  Tensor data = empty({rows_ * cols_}, kFloat32);
  to_unit_float(images_.data() + static_cast<std::size_t>(index) * pixels, pixels, data.data<float>());
  Tensor target = empty({}, kInt64);
  *target.data<std::int64_t>() = labels_[static_cast<std::size_t>(index)];
  return {data, target};
}

Example MNIST::fetch_batch(std::span<const std::int64_t> indices) const {
  const auto batch = static_cast<std::int64_t>(indices.size());
  const std::size_t pixels = static_cast<std::size_t>(rows_ * cols_);
  Tensor data = empty({batch, rows_ * cols_}, kFloat32);
  Tensor target = empty({batch}, kInt64);
  float* out = data.data<float>();
  std::int64_t* labels = target.data<std::int64_t>();
  for (std::size_t i = 0; i < indices.size(); ++i) {
    const auto index = static_cast<std::size_t>(indices[i]);
    to_unit_float(images_.data() + index * pixels, pixels, out + i * pixels);
    labels[i] = labels_[index];
  }
  return {data, target};
}

}  // namespace tapegrad::datasets
