// Between torch's storages (a class per element type, raw little-endian bytes) and tapegrad tensors.
// tapegrad holds float32, float64 and int64; the other torch types are converted on reading, exactly
// (every value of the source type is one of the target's): float16 and bfloat16 to float32; bool,
// uint8, int8, int16 and int32 to int64. Complex and quantized storages are refused.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "../tensor.hpp"
#include "pt_value.hpp"

namespace tapegrad::io {

struct TorchStorageType {
  const char* name;          // "HalfStorage"
  std::size_t element_size;  // in the file
  Dtype dtype;               // what tapegrad reads it as
};

// The storage class torch.save names ("FloatStorage"), or null when it is not one tapegrad reads.
const TorchStorageType* find_storage_type(const std::string& class_name);
// The class a tapegrad dtype is written as: FloatStorage, DoubleStorage, LongStorage.
const char* storage_class(Dtype dtype);

// A storage's bytes (little-endian, `type`'s elements) as a new 1-D tensor of tapegrad's dtype for it,
// converted as above: each storage of a file is read and converted once.
Tensor storage_tensor(const TorchStorageType& type, std::span<const std::uint8_t> bytes);

// The tensor torch._utils._rebuild_tensor_v2(storage, offset, size, stride) describes: elements
// offset + sum(i_k * stride_k) of the storage, as a view of the storage's tensor (as_strided), so
// tensors sharing a storage in the file share memory once read (a transpose and its base, two slices,
// tied weights: a write through one shows through the others, as in PyTorch). Overlapping strides
// (stride 0, as expand() makes) are read as PyTorch reads them; in-place ops refuse such a view.
// Refused (std::invalid_argument naming the problem): negative sizes, strides or offset, and any
// element outside the storage.
Tensor make_tensor_from_storage(const Tensor& storage, std::int64_t offset, const Shape& size, const Shape& stride);

}  // namespace tapegrad::io
