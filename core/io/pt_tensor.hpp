// Between torch's storages (a class per element type, raw little-endian bytes) and tapegrad tensors.
// tapegrad holds float32, float64 and int64; the other torch types are converted on reading, exactly
// (every value of the source type is one of the target's): float16 and bfloat16 to float32; bool,
// uint8, int8, int16 and int32 to int64. Complex and quantized storages are refused.
#pragma once

#include <cstdint>
#include <memory>
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

// The tensor torch._utils._rebuild_tensor_v2(storage, offset, size, stride) describes: elements
// offset + sum(i_k * stride_k) of the storage. Refused (std::invalid_argument naming the problem):
// negative sizes, strides or offset, any element outside the storage, and a tensor of more elements
// than its storage (overlapping strides, as expand() makes).
// For now the result is a new contiguous tensor (converted as above), so tensors sharing a storage
// in the file do not share memory once read. Copies could multiply a small file's storages into any
// amount of memory (one storage referenced a million times), so each copy's bytes are taken from
// `budget` and refused when they exceed it. When tapegrad's tensors have strides, this is the one
// place to return an as_strided view of the storage instead (and the budget and the overlap refusal
// can go).
Tensor make_tensor_from_storage(const std::shared_ptr<const PtStorage>& storage, std::int64_t offset, const Shape& size,
                                const Shape& stride, std::uint64_t& budget);

}  // namespace tapegrad::io
