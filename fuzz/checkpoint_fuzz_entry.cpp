#include "checkpoint_fuzz_entry.hpp"

#include <algorithm>
#include <cstring>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "../core/io/pt.hpp"
#include "../core/io/safetensors.hpp"
#include "../nn/checkpoint.hpp"

namespace tapegrad::fuzz {
namespace {

void require(bool ok, const std::string& what) {
  if (!ok) throw std::logic_error("checkpoint fuzz invariant broken: " + what);
}

struct Layer : nn::Module {
  Layer() {
    register_parameter("weight", full({2, 3}, 0.5, kFloat32));
    register_parameter("bias", full({3}, -1.5, kFloat64));
  }
};

struct FuzzModel : nn::Module {
  FuzzModel() {
    register_module("layer", std::make_shared<Layer>());
    register_parameter("scale", full({}, 7.0, kFloat32));
    register_parameter("none", zeros({0}, kFloat64));
    register_parameter("steps", full({2}, 42, kInt64), /*requires_grad=*/false);
  }
};

// What a parameter looks like from outside: dtype, shape, version and its bytes.
struct ParamState {
  Dtype dtype;
  Shape shape;
  std::uint64_t version;
  std::vector<std::uint8_t> bytes;
};

std::vector<ParamState> state_of(const nn::Module& module) {
  std::vector<ParamState> out;
  for (const auto& p : module.parameters()) {
    const auto* data = static_cast<const std::uint8_t*>(p.raw_data());
    const std::size_t size = static_cast<std::size_t>(p.numel()) * element_size(p.dtype());
    out.push_back({p.dtype(), p.shape(), p.version(), std::vector<std::uint8_t>(data, data + size)});
  }
  return out;
}

// Whether the elements of `p` are those at `stored` (of dtype `file`), converted as copy_ converts:
// the same bits when the dtypes agree. A floating value an integer parameter cannot hold must have
// been refused, so it never counts as held.
bool holds_converted(const Tensor& p, Dtype file, const std::uint8_t* stored) {
  return dispatch(p.dtype(), [&](auto param_tag) {
    using P = decltype(param_tag);
    return dispatch(file, [&](auto file_tag) {
      using S = decltype(file_tag);
      for (std::int64_t i = 0, n = p.numel(); i < n; ++i) {
        S v;
        std::memcpy(&v, stored + i * static_cast<std::int64_t>(sizeof(S)), sizeof(S));
        if constexpr (std::is_integral_v<P> && !std::is_integral_v<S>)
          if (!(v >= S(-0x1p63) && v < S(0x1p63))) return false;
        const P expected = static_cast<P>(v);
        if (std::memcmp(&expected, p.data<P>() + i, sizeof(P)) != 0) return false;
      }
      return true;
    });
  });
}

// An accepted file: read its layout independently (length field, JSON header) and check each
// parameter holds exactly its data_offsets bytes (converted to its dtype), and that the file holds
// nothing else.
void check_loaded(const nn::Module& module, const std::vector<ParamState>& before, std::span<const std::uint8_t> file) {
  require(file.size() >= 8, "an accepted file has the 8-byte length field");
  std::uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= std::uint64_t{file[i]} << (8 * i);
  require(n <= file.size() - 8, "the header fits in the file");
  const auto header = nlohmann::json::parse(file.begin() + 8, file.begin() + 8 + static_cast<std::ptrdiff_t>(n));
  const std::span<const std::uint8_t> data = file.subspan(8 + n);
  std::uint64_t covered = 0;
  const auto params = module.named_parameters();
  require(params.size() == before.size(), "the module keeps its parameters");
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto& [name, p] = params[i];
    require(p.dtype() == before[i].dtype && p.shape() == before[i].shape, name + " keeps its dtype and shape");
    require(header.contains(name), name + " is in the accepted header");
    const auto begin = header[name]["data_offsets"][0].get<std::uint64_t>();
    const auto end = header[name]["data_offsets"][1].get<std::uint64_t>();
    const auto file_dtype = io::parse_safetensors_dtype(header[name]["dtype"].get<std::string>());
    require(file_dtype.has_value(), name + " has a dtype tapegrad has");
    const std::size_t size = static_cast<std::size_t>(p.numel()) * element_size(*file_dtype);
    require(begin <= end && end <= data.size() && end - begin == size, name + " has in-range offsets of its size");
    require(size == 0 || holds_converted(p, *file_dtype, data.data() + begin), name + " holds its bytes");
    covered += size;
  }
  require(covered == data.size(), "the parameters use every data byte");
}

}  // namespace

std::unique_ptr<nn::Module> make_checkpoint_fuzz_module() { return std::make_unique<FuzzModel>(); }

bool fuzz_checkpoint(std::span<const std::uint8_t> bytes) {
  const auto module = make_checkpoint_fuzz_module();
  const auto before = state_of(*module);
  bool loaded = false;
  try {
    load_from_memory(*module, bytes, "<fuzz input>");
    loaded = true;
  } catch (const std::runtime_error&) {
  } catch (const std::invalid_argument&) {
  } catch (const std::out_of_range&) {
  }
  // A .pt archive is the pt target's to check (fuzz/pt_fuzz_entry.cpp); here it only must not break.
  if (loaded && !io::looks_like_pt(bytes.first(std::min<std::size_t>(bytes.size(), 8)))) {
    check_loaded(*module, before, bytes);
    return true;
  }
  if (loaded) return true;
  const auto after = state_of(*module);
  require(after.size() == before.size(), "a rejected load keeps the parameters");
  for (std::size_t i = 0; i < after.size(); ++i)
    require(after[i].dtype == before[i].dtype && after[i].shape == before[i].shape &&
                after[i].version == before[i].version && after[i].bytes == before[i].bytes,
            "a rejected load leaves parameter " + std::to_string(i) + " untouched (bytes and version)");
  return false;
}

}  // namespace tapegrad::fuzz
