// MNIST (and anything in its format, such as Fashion-MNIST) from the four standard IDX files.
#pragma once

#include <filesystem>
#include <vector>

#include "dataset.hpp"

namespace tapegrad::datasets {

class MNIST : public Dataset {
 public:
  enum class Mode { kTrain, kTest };

  // Reads <root>/train-images-idx3-ubyte and train-labels-idx1-ubyte (kTrain) or t10k-images-idx3-ubyte
  // and t10k-labels-idx1-ubyte (kTest), each raw or with a .gz suffix (raw preferred when both exist).
  // The number of images and their rows x cols come from the file headers (60,000 and 10,000 and
  // subsets all work; 28 x 28 for MNIST). Throws std::runtime_error when a file is missing (saying how
  // to get the data), corrupt, not ubyte, the image and label counts differ, or a label is outside 0..9.
  explicit MNIST(const std::filesystem::path& root, Mode mode = Mode::kTrain);

  std::int64_t size() const override { return count_; }
  std::int64_t rows() const { return rows_; }
  std::int64_t cols() const { return cols_; }
  bool is_train() const { return mode_ == Mode::kTrain; }

  // Raw file contents: size()*rows()*cols() pixels (row-major, 0..255) and size() labels.
  const std::vector<std::uint8_t>& images() const { return images_; }
  const std::vector<std::uint8_t>& labels() const { return labels_; }

 protected:
  // Images are flat: data (rows*cols) float32 in [0, 1] (pixel / 255), target a 0-d int64 label;
  // batches are (B, rows*cols) and (B). Use .view({B, 1, rows, cols}) for an image layout.
  Example fetch(std::int64_t index) const override;
  Example fetch_batch(std::span<const std::int64_t> indices) const override;

 private:
  Mode mode_;
  std::int64_t count_ = 0, rows_ = 0, cols_ = 0;
  std::vector<std::uint8_t> images_, labels_;  // kept as bytes; converted to float per batch
};

}  // namespace tapegrad::datasets
