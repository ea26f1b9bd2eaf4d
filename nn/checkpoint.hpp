// Saving and loading a module's parameters (its state_dict: parameters and buffers under PyTorch's
// names) in two formats, so the weights also open in Python:
//   - PyTorch's own .pt format (torch.save of a state_dict; core/io/pt.hpp), when the path ends in
//     ".pt" or ".pth": torch.load(path, weights_only=True) gives the state_dict;
//   - otherwise safetensors (safetensors.torch.load_file gives the same state_dict):
//   8-byte little-endian header length N | N bytes of JSON | raw little-endian tensor data
// The JSON maps each named_parameters() name ("0.weight") to {"dtype": "F32"|"F64"|"I64",
// "shape": [...], "data_offsets": [begin, end]} (offsets into the data, tensors packed without
// gaps), plus "__metadata__": {"format": "pt"}. The format is core/io/safetensors.hpp; this is its
// binding to modules.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "module.hpp"

namespace tapegrad {

// Writes every defined parameter of `module` to `path` atomically: a temporary file in the same
// directory is written, flushed to disk and renamed over `path`. On any failure the temporary file
// is removed, `path` keeps its previous content, and std::runtime_error names the file and the cause.
void save(const nn::Module& module, const std::string& path);

// Reads `path` into `module`'s parameters, in either format, told apart by the content (a zip
// archive is a .pt file), never by the name. Names, dtypes and shapes must match the module exactly
// (missing and unexpected names are listed), and the header must describe the data exactly (offsets
// in range, consistent with dtype and shape, no overlaps or gaps; a .pt file's archive and pickle as
// core/io/pt.hpp checks them, and a .pt file's float16/bfloat16 tensors load into float32 parameters,
// its integer and bool tensors into int64 ones). Everything is validated and read
// into temporaries before any parameter is written, so a failed load leaves `module` untouched.
// Errors are std::runtime_error naming the file and the problem.
void load(nn::Module& module, const std::string& path);

// The same for a whole checkpoint file already in memory (received over the network, embedded, or
// fed by a fuzzer); error messages name the checkpoint `name`.
void load_from_memory(nn::Module& module, std::span<const std::uint8_t> bytes, const std::string& name = "<memory>");

}  // namespace tapegrad
