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

// What reading one archive may take in memory (pickle.hpp's MemoryBudget: data.pkl's bytes, the
// values it makes, the storages read and converted): kPtBaseMemory plus kPtMemoryPerStorageByte for
// each byte of the archive's storage records. A state_dict's pickle takes ~4 KB per tensor as values,
// so any tensor of 64 bytes or more pays for itself; the base covers ~2,000 tiny ones (0-d buffers,
// Adam's step counts). Past the limit a file is refused, naming it.
inline constexpr std::uint64_t kPtBaseMemory = 8ull << 20;
inline constexpr std::uint64_t kPtMemoryPerStorageByte = 64;

// Whether a file starting with `prefix` (at least 8 bytes of it) is for read_pt: a zip archive, or
// the pickle that opens PyTorch's legacy (pre-1.6) format, which read_pt refuses with advice. Never
// true for a safetensors file (whose first 8 bytes are a length under 2^27).
bool looks_like_pt(std::span<const std::uint8_t> prefix);

// The object tree of a .pt file. Tensors come back as views of their storages (tensors sharing a
// storage in the file share memory), converted as pt_tensor.hpp says;
// OrderedDicts as ordered dicts, with a state_dict's _metadata as the dict's attributes().
// Archives libtorch's C++ torch::save(tensor) or torch::save(std::vector<Tensor>) wrote (TorchScript
// archives of one object of class __torch__.Module) read as a dict of their tensors by name: "0",
// "1", ... Any other TorchScript archive (torch.jit.save, libtorch's torch::save of a module: classes
// with code) and the legacy format are refused with a message naming them.
PtValue read_pt(const std::string& path);
PtValue read_pt(std::span<const std::uint8_t> bytes, const std::string& name = "<memory>");

// A state_dict's tensors, in order: the file's top object must be a dict of string keys and tensors.
NamedTensors pt_state_dict(const PtValue& root, const std::string& name);

// Writes `root` as torch.save would, atomically (atomic_file.hpp), readable by torch.load of PyTorch
// 1.13 (with weights_only=True when the tree holds no floats). Dicts marked ordered become
// OrderedDicts. Each tensor storage is written whole, once: tensors sharing memory (views, tied
// weights) share it in the file, each with its offset and strides. Globals and storages
// cannot be written (std::invalid_argument), nor undefined tensors.
void write_pt(const std::string& path, const PtValue& root);
// A state_dict: an OrderedDict of the names and tensors, in order.
void write_pt(const std::string& path, const NamedTensors& state_dict);
// The same file's bytes, in memory.
std::vector<std::uint8_t> pt_bytes(const PtValue& root);

// The OrderedDict of a state_dict's names and tensors.
PtValue state_dict_value(const NamedTensors& state_dict);

}  // namespace tapegrad::io
