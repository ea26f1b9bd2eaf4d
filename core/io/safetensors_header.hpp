// The JSON header of a safetensors file, parsed strictly: what each tensor is and where its bytes
// lie, and the string metadata. The layout around it is in safetensors.hpp.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace tapegrad::io {

inline constexpr const char* kSafetensorsMetadataKey = "__metadata__";

// One tensor as the header describes it, before any check of its dtype or offsets.
struct SafetensorsEntry {
  std::string name;
  std::string dtype;                   // as written: "F32", ...
  std::vector<std::uint64_t> shape;
  std::uint64_t begin = 0, end = 0;    // data_offsets, into the data buffer after the header
};

struct SafetensorsHeader {
  std::vector<SafetensorsEntry> entries;        // in the order of the header
  std::map<std::string, std::string> metadata;  // the "__metadata__" object: strings only
};

// Parses the header text of the safetensors file `name` (shown in errors). Refused with
// std::runtime_error: invalid JSON, anything but an object of entries {"dtype": string, "shape":
// [non-negative integers], "data_offsets": [begin, end]} (fields safetensors does not define are
// ignored when shallow) and an optional "__metadata__" object of strings; a name, a field or a
// metadata key given twice; nesting deeper than the format's 3 levels; more than 64 dimensions.
// Memory stays proportional to what is kept, time linear in the header's size.
SafetensorsHeader parse_safetensors_header(const std::string& text, const std::string& name);

// The error about safetensors file `name`: "checkpoint '<name>': <problem>".
std::runtime_error checkpoint_error(const std::string& name, const std::string& problem);

// A name or string from a file as error messages show it: whole when short, else its start and its
// length, so a hostile megabyte-long name cannot blow up a message.
std::string shown(const std::string& text);

std::string shape_text(const std::vector<std::uint64_t>& shape);  // "[2, 3]"

}  // namespace tapegrad::io
