// PyTorch's .pt format (torch.save, PyTorch >= 1.6), read and written without Python and without
// executing anything from the file. A .pt file is a zip archive (zip.hpp) holding
//   <archive>/data.pkl    the object, pickled at protocol 2 (pickle.hpp); a tensor is
//                         torch._utils._rebuild_tensor_v2(persistent_id(('storage', torch.FloatStorage,
//                         key, location, numel)), offset, size, stride, requires_grad, OrderedDict())
//   <archive>/data/<key>  each storage's raw little-endian bytes
//   <archive>/version     the format's version, "3"
// The only globals read are collections.OrderedDict, torch._utils._rebuild_tensor_v2,
// torch._utils._rebuild_parameter and the storage classes of pt_tensor.hpp; any other (os.system,
// builtins.eval, a model's own class) is refused by name before anything is built. Errors are
// std::runtime_error "checkpoint '<name>': <problem>", with the entry and byte offset of the problem.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "pt_value.hpp"
#include "safetensors.hpp"  // NamedTensors

namespace tapegrad::io {

inline constexpr std::uint64_t kMaxPtPickleBytes = 256ull << 20;  // data.pkl: a state_dict's is ~100 bytes a tensor

// Whether a file starting with `prefix` (at least 8 bytes of it) is for read_pt: a zip archive, or
// the pickle that opens PyTorch's legacy (pre-1.6) format, which read_pt refuses with advice. Never
// true for a safetensors file (whose first 8 bytes are a length under 2^27).
bool looks_like_pt(std::span<const std::uint8_t> prefix);

// The object tree of a .pt file. Tensors come back contiguous and converted as pt_tensor.hpp says;
// OrderedDicts as ordered dicts, with a state_dict's _metadata as the dict's attributes().
// A TorchScript archive (torch.jit.save, or libtorch's C++ torch::save) and the legacy format are
// refused with a message naming them.
PtValue read_pt(const std::string& path);
PtValue read_pt(std::span<const std::uint8_t> bytes, const std::string& name = "<memory>");

// A state_dict's tensors, in order: the file's top object must be a dict of string keys and tensors.
NamedTensors pt_state_dict(const PtValue& root, const std::string& name);

// Writes `root` as torch.save would, atomically (atomic_file.hpp), readable by torch.load of PyTorch
// 1.13 (with weights_only=True when the tree holds no floats). Dicts marked ordered become
// OrderedDicts. Tensors sharing their memory share one storage in the file. Globals and storages
// cannot be written (std::invalid_argument), nor undefined tensors.
void write_pt(const std::string& path, const PtValue& root);
// A state_dict: an OrderedDict of the names and tensors, in order.
void write_pt(const std::string& path, const NamedTensors& state_dict);
// The same file's bytes, in memory.
std::vector<std::uint8_t> pt_bytes(const PtValue& root);

// The OrderedDict of a state_dict's names and tensors.
PtValue state_dict_value(const NamedTensors& state_dict);

}  // namespace tapegrad::io
