#include "pt_fuzz_entry.hpp"

#include <cstring>
#include <stdexcept>
#include <string>

#include "../core/io/pt.hpp"

namespace tapegrad::fuzz {
namespace {

using io::PtValue;
using Kind = PtValue::Kind;

void require(bool ok, const std::string& what) {
  if (!ok) throw std::logic_error("pt fuzz invariant broken: " + what);
}

// Whether the tree holds only what write_pt writes (no bare globals or storages).
bool writable(const PtValue& v) {
  switch (v.kind()) {
    case Kind::kGlobal: case Kind::kStorage: return false;
    case Kind::kTuple: case Kind::kList:
      for (const PtValue& x : v.items())
        if (!writable(x)) return false;
      return true;
    case Kind::kDict:
      for (const auto& [k, x] : v.entries())
        if (!writable(x)) return false;
      return writable(v.attributes());
    default: return true;
  }
}

void require_same(const PtValue& a, const PtValue& b) {
  require(a.kind() == b.kind(), std::string("kind ") + a.kind_name() + " came back as " + b.kind_name());
  switch (a.kind()) {
    case Kind::kBool: return require(a.as_bool() == b.as_bool(), "a bool");
    case Kind::kInt: return require(a.as_int() == b.as_int(), "an int");
    case Kind::kFloat: {
      const double x = a.as_float(), y = b.as_float();
      return require(std::memcmp(&x, &y, sizeof x) == 0, "a float's bits");
    }
    case Kind::kString: return require(a.as_string() == b.as_string(), "a string");
    case Kind::kTuple: case Kind::kList:
      require(a.items().size() == b.items().size(), "a sequence's length");
      for (std::size_t i = 0; i < a.items().size(); ++i) require_same(a.items()[i], b.items()[i]);
      return;
    case Kind::kDict:
      require(a.entries().size() == b.entries().size() && a.ordered() == b.ordered(), "a dict's size or kind");
      for (std::size_t i = 0; i < a.entries().size(); ++i) {
        require_same(a.entries()[i].first, b.entries()[i].first);
        require_same(a.entries()[i].second, b.entries()[i].second);
      }
      return require_same(a.attributes(), b.attributes());
    case Kind::kTensor: {
      const Tensor& x = a.as_tensor();
      const Tensor& y = b.as_tensor();
      require(x.dtype() == y.dtype() && x.shape() == y.shape() && x.requires_grad() == y.requires_grad() &&
                  x.strides() == y.strides() && x.storage_offset() == y.storage_offset(),
              "a tensor's dtype, shape, strides, offset or requires_grad");
      const std::size_t n = static_cast<std::size_t>(x.numel()) * element_size(x.dtype());
      return require(n == 0 || std::memcmp(x.contiguous().raw_data(), y.contiguous().raw_data(), n) == 0, "a tensor's bytes");
    }
    default: return;
  }
}

}  // namespace

bool fuzz_pt(std::span<const std::uint8_t> bytes) {
  PtValue tree;
  try {
    tree = io::read_pt(bytes, "<fuzz input>");
  } catch (const std::runtime_error&) {
    return false;
  }
  if (writable(tree)) require_same(tree, io::read_pt(io::pt_bytes(tree), "<written back>"));
  return true;
}

}  // namespace tapegrad::fuzz
