// Saving and loading a module's parameters (its state_dict: parameters and buffers under PyTorch's
// names) in two formats, so the weights also open in Python:
//   - PyTorch's own .pt format (torch.save of a state_dict; core/io/pt.hpp), when the path ends in
//     ".pt" or ".pth": torch.load(path, weights_only=True) gives the state_dict;
//   - otherwise safetensors (safetensors.torch.load_file gives the same state_dict):
//   8-byte little-endian header length N | N bytes of JSON | raw little-endian tensor data
// The JSON maps each state_dict() name ("0.weight", "1.running_mean") to {"dtype": "F32"|"F64"|"I64",
// "shape": [...], "data_offsets": [begin, end]} (offsets into the data, tensors packed without
// gaps), plus "__metadata__": {"format": "pt"}. The format is core/io/safetensors.hpp; this is its
// binding to modules.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "module.hpp"

namespace tapegrad {

// Writes every defined tensor of `module.state_dict()` (its parameters and buffers, as PyTorch's
// torch.save(model.state_dict())) to `path` atomically: a temporary file in the same
// directory is written, flushed to disk and renamed over `path`. On any failure the temporary file
// is removed, `path` keeps its previous content, and std::runtime_error names the file and the cause.
void save(const nn::Module& module, const std::string& path);

// Reads `path` into `module`'s parameters and buffers, in either format, told apart by the content (a
// zip archive is a .pt file), never by the name. Names and shapes must match the module exactly
// (missing and unexpected names are listed), and the file must describe the data exactly (a
// safetensors header: offsets in range, consistent with dtype and shape, no overlaps or gaps; a .pt
// file's archive and pickle as core/io/pt.hpp checks them). A tensor stored in another dtype is
// converted to the module's, as copy_ and load_state_dict convert (a float32 checkpoint loads into a
// float64 model; a .pt file's float16/bfloat16 tensors read as float32, its integer and bool tensors as
// int64); a floating value an int64 buffer cannot hold (NaN, infinite, beyond 2^63) is an error.
// Everything is validated, read and converted into temporaries before any tensor is written, so a
// failed load leaves `module` untouched.
// Errors are std::runtime_error naming the file and the problem.
void load(nn::Module& module, const std::string& path);

// The same for a whole checkpoint file already in memory (received over the network, embedded, or
// fed by a fuzzer); error messages name the checkpoint `name`.
void load_from_memory(nn::Module& module, std::span<const std::uint8_t> bytes, const std::string& name = "<memory>");

}  // namespace tapegrad
