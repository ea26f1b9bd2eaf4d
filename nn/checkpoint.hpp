// Saving and loading a module's parameters in the safetensors format, so the weights also open in
// Python (safetensors.torch.load_file gives a state_dict with the same names and shapes):
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

// Reads `path` into `module`'s parameters. Names, dtypes and shapes must match the module exactly
// (missing and unexpected names are listed), and the header must describe the data exactly (offsets
// in range, consistent with dtype and shape, no overlaps or gaps). Everything is validated and read
// into temporaries before any parameter is written, so a failed load leaves `module` untouched.
// Errors are std::runtime_error naming the file and the problem.
void load(nn::Module& module, const std::string& path);

// The same for a whole checkpoint file already in memory (received over the network, embedded, or
// fed by a fuzzer); error messages name the checkpoint `name`.
void load_from_memory(nn::Module& module, std::span<const std::uint8_t> bytes, const std::string& name = "<memory>");

}  // namespace tapegrad
