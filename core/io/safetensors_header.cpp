#include "safetensors_header.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <utility>

namespace tapegrad::io {

std::runtime_error checkpoint_error(const std::string& name, const std::string& problem) {
  return std::runtime_error("checkpoint '" + name + "': " + problem);
}

std::string shown(const std::string& text) {
  constexpr std::size_t kShownChars = 64;
  if (text.size() <= kShownChars) return text;
  return text.substr(0, kShownChars) + "... (" + std::to_string(text.size()) + " bytes)";
}

std::string shape_text(const std::vector<std::uint64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

namespace {

// What a safetensors header can hold, and what the parser below refuses beyond it.
constexpr std::size_t kMaxHeaderDepth = 3;  // {name: {"shape": [dims]}}
constexpr std::size_t kMaxDims = 64;        // more than any tensor has

// Parses the JSON header as a stream of events straight into entries (the JSON library's SAX
// interface), checking the structure as it goes. A document tree would cost a multiple of the header
// in memory, nlohmann's ordered object spends time quadratic in the number of keys, and its dump()
// recurses as deep as the nesting: a 2 MB header took 30 s and a 200 KB one overflowed the stack.
// Here the memory is the entries and the metadata themselves, nesting stops at kMaxHeaderDepth, shapes
// at kMaxDims, and a repeated name (ambiguous: which one is the tensor?) is an error, as is a repeated
// metadata key.
class HeaderParser final : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit HeaderParser(const std::string& file) : file_(file) {}

  SafetensorsHeader parse(const std::string& text) {
    nlohmann::json::sax_parse(text, this);
    return std::move(header_);
  }

  bool null() override { return scalar("null"); }
  bool boolean(bool value) override { return scalar(value ? "true" : "false"); }
  bool number_integer(number_integer_t value) override {
    if (value >= 0) return number(static_cast<std::uint64_t>(value), std::to_string(value));  // "-0"
    return scalar(std::to_string(value));
  }
  bool number_unsigned(number_unsigned_t value) override { return number(value, std::to_string(value)); }
  bool number_float(number_float_t, const string_t& text) override { return scalar(shown(text)); }
  bool binary(binary_t&) override { return scalar("binary data"); }
  bool string(string_t& value) override {
    if (context() == In::kMetadata) {
      header_.metadata.emplace(std::move(field_), std::move(value));
      return true;
    }
    if (context() == In::kEntry && field_ == "dtype") {
      entry_.dtype = std::move(value);
      return true;
    }
    return scalar(std::string("\"").append(shown(value)).append("\""));  // (GCC 12 false alarm on "\"" + string)
  }

  bool start_object(std::size_t) override { return open(true); }
  bool start_array(std::size_t) override { return open(false); }
  bool key(string_t& key) override {
    switch (open_.back()) {  // keys only come inside an object
      case In::kRoot:
        if (!names_.insert(key).second) throw fail("name '" + shown(key) + "' appears twice in the header");
        name_ = std::move(key);
        break;
      case In::kEntry:
        for (int i = 0; i < 3; ++i)
          if (key == kFields[i] && std::exchange(has_field_[i], true)) throw fail(where() + " has \"" + key + "\" twice");
        field_ = std::move(key);
        break;
      case In::kMetadata:  // as for names: which of two values would be meant?
        if (header_.metadata.count(key))
          throw fail(std::string("\"") + kSafetensorsMetadataKey + "\" has \"" + shown(key) + "\" twice");
        field_ = std::move(key);
        break;
      default:
        field_ = std::move(key);
    }
    return true;
  }
  bool end_object() override {
    if (close() == In::kEntry) {
      for (int i = 0; i < 3; ++i)
        if (!has_field_[i]) throw fail(where() + " has no \"" + kFields[i] + "\"");
      entry_.name = name_;
      header_.entries.push_back(std::move(entry_));
    }
    return true;
  }
  bool end_array() override {
    if (close() == In::kOffsets && offsets_ != 2) throw fail(where() + ": \"data_offsets\" must be [begin, end]");
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    throw fail(std::string("header is not valid JSON: ") + e.what());
  }

 private:
  // The containers open around the current event.
  enum class In { kRoot, kMetadata, kEntry, kShape, kOffsets, kOther };
  static constexpr const char* kFields[3] = {"dtype", "shape", "data_offsets"};

  std::runtime_error fail(const std::string& problem) const { return checkpoint_error(file_, problem); }
  std::string where() const { return "tensor '" + shown(name_) + "'"; }
  std::optional<In> context() const { return open_.empty() ? std::nullopt : std::optional(open_.back()); }

  // A value that is not a number: fine where the format does not care, else an error naming it.
  bool scalar(const std::string& text) {
    if (!context()) throw fail("header is not a JSON object");
    switch (*context()) {
      case In::kRoot:
        throw fail(name_ == kSafetensorsMetadataKey ? "\"__metadata__\" must be an object of strings" : where() + " is not a JSON object");
      case In::kMetadata: throw fail("\"__metadata__\" value for \"" + shown(field_) + "\" is not a string");
      case In::kEntry:
        if (field_ == "dtype") throw fail(where() + ": \"dtype\" must be a string");
        if (field_ == "shape") throw fail(where() + ": \"shape\" must be an array");
        if (field_ == "data_offsets") throw fail(where() + ": \"data_offsets\" must be [begin, end]");
        return true;  // a field safetensors does not define: ignored
      case In::kShape: throw fail(where() + " shape entry must be a non-negative integer, got " + text);
      case In::kOffsets:
        if (offsets_ >= 2) throw fail(where() + ": \"data_offsets\" must be [begin, end]");
        throw fail(where() + " data_offsets " + (offsets_ ? "end" : "begin") + " must be a non-negative integer, got " + text);
      case In::kOther: return true;
    }
    return true;
  }

  bool number(std::uint64_t value, const std::string& text) {
    if (context() == In::kShape) {
      if (entry_.shape.size() == kMaxDims)
        throw fail(where() + " shape has more than " + std::to_string(kMaxDims) + " dimensions");
      entry_.shape.push_back(value);
      return true;
    }
    if (context() == In::kOffsets) {
      if (offsets_ == 2) throw fail(where() + ": \"data_offsets\" must be [begin, end]");
      (offsets_++ ? entry_.end : entry_.begin) = value;
      return true;
    }
    return scalar(text);
  }

  // An object (or array) starts: what it is depends on where it is.
  bool open(bool object) {
    const std::optional<In> in = context();
    In next = In::kOther;
    if (!in) {
      if (!object) throw fail("header is not a JSON object");
      next = In::kRoot;
    } else if (*in == In::kRoot) {
      if (!object) return scalar("an array");
      next = name_ == kSafetensorsMetadataKey ? In::kMetadata : In::kEntry;
      if (next == In::kEntry) {
        entry_ = SafetensorsEntry{};
        std::fill(std::begin(has_field_), std::end(has_field_), false);
      }
    } else if (*in == In::kEntry && field_ == "shape" && !object) {
      next = In::kShape;
    } else if (*in == In::kEntry && field_ == "data_offsets" && !object) {
      next = In::kOffsets;
      offsets_ = 0;
    } else if (*in != In::kOther) {
      scalar(object ? "an object" : "an array");  // throws unless an unknown field of an entry
    }
    if (open_.size() == kMaxHeaderDepth)
      throw fail("header nests deeper than the " + std::to_string(kMaxHeaderDepth) + " levels of a safetensors header" +
                 (name_.empty() ? "" : " (in " + where() + ")"));
    open_.push_back(next);
    return true;
  }

  In close() {
    const In in = open_.back();
    open_.pop_back();
    return in;
  }

  std::string file_;
  std::vector<In> open_;
  std::set<std::string> names_;  // top-level keys seen so far
  std::string name_;             // the current top-level key
  std::string field_;            // the current key inside an entry or the metadata
  SafetensorsEntry entry_;       // the entry being read
  bool has_field_[3] = {};
  int offsets_ = 0;              // data_offsets numbers read so far
  SafetensorsHeader header_;
};

}  // namespace

SafetensorsHeader parse_safetensors_header(const std::string& text, const std::string& name) {
  return HeaderParser(name).parse(text);
}

}  // namespace tapegrad::io
