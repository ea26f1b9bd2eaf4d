#include "rows.hpp"

#include <cstring>
#include <stdexcept>

namespace tapegrad::datasets {
namespace {

Shape row_shape(const Tensor& t) { return Shape(t.shape().begin() + 1, t.shape().end()); }

std::size_t row_bytes(const Tensor& t) {
  return static_cast<std::size_t>(shape_numel(row_shape(t))) * element_size(t.dtype());
}

const std::uint8_t* bytes_of(const Tensor& t) { return static_cast<const std::uint8_t*>(t.raw_data()); }

}  // namespace

Tensor copy_row(const Tensor& t, std::int64_t index) {
  Tensor row = empty(row_shape(t), t.dtype());
  const std::size_t n = row_bytes(t);
  if (n) std::memcpy(row.raw_data(), bytes_of(t) + static_cast<std::size_t>(index) * n, n);
  return row;
}

Tensor gather_rows(const Tensor& t, std::span<const std::int64_t> indices) {
  Shape shape = row_shape(t);
  shape.insert(shape.begin(), static_cast<std::int64_t>(indices.size()));
  Tensor out = empty(shape, t.dtype());
  const std::size_t n = row_bytes(t);
  auto* dst = static_cast<std::uint8_t*>(out.raw_data());
  if (n)
    for (std::size_t i = 0; i < indices.size(); ++i)
      std::memcpy(dst + i * n, bytes_of(t) + static_cast<std::size_t>(indices[i]) * n, n);
  return out;
}

Tensor stack_rows(const std::vector<Tensor>& rows) {
  if (rows.empty()) throw std::invalid_argument("stack_rows: no tensors to stack");
  const Shape& shape = rows.front().shape();
  const Dtype dtype = rows.front().dtype();
  for (std::size_t i = 1; i < rows.size(); ++i) {
    if (rows[i].shape() != shape || rows[i].dtype() != dtype) {
      throw std::invalid_argument("stack_rows: example " + std::to_string(i) + " has shape " +
                                  shape_str(rows[i].shape()) + " and dtype " + dtype_name(rows[i].dtype()) +
                                  ", but example 0 has shape " + shape_str(shape) + " and dtype " + dtype_name(dtype));
    }
  }
  Shape stacked = shape;
  stacked.insert(stacked.begin(), static_cast<std::int64_t>(rows.size()));
  Tensor out = empty(stacked, dtype);
  const std::size_t n = static_cast<std::size_t>(shape_numel(shape)) * element_size(dtype);
  auto* dst = static_cast<std::uint8_t*>(out.raw_data());
  if (n)
    for (std::size_t i = 0; i < rows.size(); ++i) std::memcpy(dst + i * n, rows[i].raw_data(), n);
  return out;
}

}  // namespace tapegrad::datasets
