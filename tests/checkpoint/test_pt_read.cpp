// .pt files written by PyTorch 1.13 (tests/fixtures/make_pt_fixtures.py) read with exact values and
// structure: tensors of every dtype (converted ones too), views and transposes of shared storages,
// nested containers, a BatchNorm model's state_dict, deflated and zip64 archives.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include <tapegrad/core/io/pt.hpp>
#include <tapegrad/core/io/zip.hpp>
#include <tapegrad/nn/checkpoint.hpp>

#include "../support/files.hpp"

using namespace support;
using tg::io::PtValue;
using Kind = PtValue::Kind;
using Catch::Contains;

namespace {

std::string fixture(const std::string& name) {
  return (std::filesystem::path(TAPEGRAD_SOURCE_DIR) / "tests" / "fixtures" / "pt" / name).string();
}

// A value down a path of expected.txt: "/s:key/i:7/n:0" ("-" is the root).
const PtValue& at_path(const PtValue& root, const std::string& path) {
  const PtValue* v = &root;
  if (path == "-") return *v;
  std::stringstream parts(path.substr(1));
  std::string part;
  while (std::getline(parts, part, '/')) {
    const std::string what = part.substr(2);
    const PtValue* next = part[0] == 's' ? v->find(what)
                          : part[0] == 'i' ? v->find(std::stoll(what))
                                           : &v->items().at(std::stoull(what));
    REQUIRE(next != nullptr);
    v = next;
  }
  return *v;
}

// Bit-exact comparison of one expected value ("inf", "-0.0", "1.5", an integer) with an element.
template <class T> bool same_bits(T actual, const std::string& text) {
  if constexpr (std::is_same_v<T, std::int64_t>) return actual == std::stoll(text);
  else return std::bit_cast<std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>(actual) ==
              std::bit_cast<std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>(static_cast<T>(std::strtod(text.c_str(), nullptr)));
}

void check_tensor(const tg::Tensor& t, const std::string& dtype, const std::string& shape, const std::vector<std::string>& values) {
  CHECK(tg::dtype_name(t.dtype()) == dtype);
  std::string shown;
  for (auto d : t.shape()) shown += (shown.empty() ? "" : ",") + std::to_string(d);
  CHECK((shown.empty() ? "-" : shown) == shape);
  REQUIRE(static_cast<std::size_t>(t.numel()) == values.size());
  const tg::Tensor row_major = t.contiguous();  // a view of its storage, as PyTorch's
  tg::dispatch(t.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* p = static_cast<const T*>(row_major.raw_data());
    for (std::size_t i = 0; i < values.size(); ++i) {
      INFO("element " << i << ": " << p[i] << " vs " << values[i]);
      CHECK(same_bits<T>(p[i], values[i]));
    }
  });
}

}  // namespace

TEST_CASE("pt: every tensor PyTorch 1.13 wrote reads back bit for bit, with its dtype and shape", "[checkpoint][pt]") {
  std::ifstream lines(fixture("expected.txt"));
  std::map<std::string, PtValue> files;
  std::string line;
  int checked = 0;
  while (std::getline(lines, line)) {
    std::stringstream fields(line);
    std::string file, path, dtype, shape, value;
    fields >> file >> path >> dtype >> shape;
    std::vector<std::string> values;
    while (fields >> value) values.push_back(value);
    INFO(file << " " << path);
    if (!files.count(file)) files[file] = tg::io::read_pt(fixture(file));
    check_tensor(at_path(files[file], path).as_tensor(), dtype, shape, values);
    // The same archives, deflated and with zip64 records, read the same.
    if (file == "cnn.pt" || file == "views.pt") {
      const std::string twin = file == "cnn.pt" ? "deflated.pt" : "zip64.pt";
      if (!files.count(twin)) files[twin] = tg::io::read_pt(fixture(twin));
      check_tensor(at_path(files[twin], path).as_tensor(), dtype, shape, values);
    }
    ++checked;
  }
  CHECK(files.size() == 8);
  CHECK(checked > 25);
}

TEST_CASE("pt: tensors sharing a storage in PyTorch's file are views of one tensor, as in PyTorch", "[checkpoint][pt]") {
  // {"w": t, "wt": t.t(), "row": t[1]} of a 2x3 float32 t (values checked by the test above).
  const PtValue root = tg::io::read_pt(fixture("shared.pt"));
  const tg::Tensor w = root.find("w")->as_tensor(), wt = root.find("wt")->as_tensor(), row = root.find("row")->as_tensor();
  CHECK(wt.strides() == tg::Strides{1, 3});  // PyTorch's layout of each
  CHECK(row.strides() == tg::Strides{1});
  CHECK(row.storage_offset() == 3);
  CHECK(w.data_ptr() == wt.data_ptr());
  // Modified in place through one name, the change shows through the others.
  tg::Tensor(w).index_put_({1, 2}, 9.0);
  CHECK(wt.index({2, 1}).item() == 9.0);
  CHECK(row.index({2}).item() == 9.0);
  tg::Tensor(row).fill_(-4.0);
  CHECK(values(w) == std::vector<double>{-1.0, -0.5, 0.0, -4.0, -4.0, -4.0});
  CHECK(values(wt) == std::vector<double>{-1.0, -4.0, -0.5, -4.0, 0.0, -4.0});
}

TEST_CASE("pt: nested containers keep their structure, kinds and order", "[checkpoint][pt]") {
  const PtValue root = tg::io::read_pt(fixture("nested.pt"));
  REQUIRE(root.kind() == Kind::kDict);
  CHECK_FALSE(root.ordered());  // a plain dict; a state_dict is an OrderedDict
  REQUIRE(root.entries().size() == 5);
  CHECK(root.entries()[0].first.as_string() == "list");
  CHECK(root.entries()[1].first.as_int() == 7);
  const PtValue::Items& list = root.find("list")->items();
  REQUIRE(list.size() == 10);
  CHECK(root.find("list")->kind() == Kind::kList);
  CHECK(list[0].as_int() == 1);
  CHECK(list[1].as_int() == -7);
  CHECK(list[2].as_int() == (std::int64_t{1} << 40));
  CHECK(list[3].as_int() == -(std::int64_t{1} << 40));
  CHECK(list[4].as_float() == 2.5);
  CHECK(list[5].as_string() == "text");
  CHECK(list[6].is_none());
  CHECK(list[7].as_bool());
  CHECK_FALSE(list[8].as_bool());
  REQUIRE(list[9].kind() == Kind::kTuple);
  CHECK(list[9].items()[0].as_int() == 3);
  CHECK(list[9].items()[1].as_string() == "x");
  const PtValue& seven = *root.find(std::int64_t{7});
  CHECK(seven.find(std::int64_t{-1})->kind() == Kind::kTuple);
  CHECK(seven.find(std::int64_t{-1})->items().empty());
  CHECK(root.find("unicode")->as_string() == "gr\xc3\xbc\xc3\x9f" "e \xe2\x9c\x93");
  CHECK(root.find("empty")->entries().empty());
  CHECK(root.find("missing") == nullptr);
  CHECK_THROWS_AS(list[0].as_string(), std::invalid_argument);
}

TEST_CASE("pt: a state_dict is an OrderedDict with its _metadata; a Parameter keeps requires_grad", "[checkpoint][pt]") {
  const PtValue cnn = tg::io::read_pt(fixture("cnn.pt"));
  CHECK(cnn.ordered());
  REQUIRE(cnn.attributes().kind() == Kind::kDict);
  const PtValue* metadata = cnn.attributes().find("_metadata");
  REQUIRE(metadata != nullptr);
  CHECK(metadata->find("2")->find("version")->as_int() == 2);  // BatchNorm2d's version
  const auto state = tg::io::pt_state_dict(cnn, "cnn.pt");
  REQUIRE(state.size() == 11);
  CHECK(state[0].first == "1.weight");
  CHECK(state[6].first == "2.num_batches_tracked");
  CHECK(state[6].second.dim() == 0);
  CHECK(state[6].second.item<std::int64_t>() == 2);
  for (const auto& [name, t] : state) CHECK_FALSE(t.requires_grad());

  const PtValue parameter = tg::io::read_pt(fixture("parameter.pt"));
  CHECK(parameter.as_tensor().requires_grad());
}

TEST_CASE("pt: tg::load reads a PyTorch state_dict into the same model, found by content", "[checkpoint][pt]") {
  namespace nn = tg::nn;
  auto make_cnn = [] {
    return nn::Sequential(nn::Unflatten(nn::UnflattenOptions(1, {1, 28, 28})),
                          nn::Conv2d(nn::Conv2dOptions(1, 8, 3).padding(1)), nn::BatchNorm2d(8), nn::ReLU(),
                          nn::MaxPool2d(2), nn::Conv2d(8, 16, 3), nn::ReLU(), nn::AvgPool2d(2), nn::Dropout(0.25),
                          nn::Flatten(), nn::Linear(16 * 6 * 6, 10));
  };
  nn::Sequential cnn = make_cnn(), from_memory = make_cnn();
  TempDir dir;
  // A name that says nothing: the content decides.
  write_file(dir / "weights.bin", read_file(fixture("cnn.pt")));
  tg::load(cnn, dir / "weights.bin");
  const auto expected = tg::io::pt_state_dict(tg::io::read_pt(fixture("cnn.pt")), "cnn.pt");
  const std::string bytes = read_file(fixture("cnn.pt"));
  tg::load_from_memory(from_memory, std::vector<std::uint8_t>(bytes.begin(), bytes.end()), "cnn in memory");
  for (const auto& module_state : {cnn.state_dict(), from_memory.state_dict()}) {
    const std::map<std::string, tg::Tensor> loaded(module_state.begin(), module_state.end());
    REQUIRE(loaded.size() == expected.size());
    for (const auto& [name, t] : expected) {
      INFO(name);
      REQUIRE(loaded.count(name));
      CHECK(values(loaded.at(name)) == values(t));
    }
  }
}

TEST_CASE("pt: libtorch's C++ torch::save of a tensor and of a vector of tensors read as their tensors by name",
          "[checkpoint][pt]") {
  // tests/fixtures/make_libtorch_fixtures.cpp: t = arange(6) 2x3 float32; {t, t.t(), int64 {1, 2, 3}}.
  const PtValue one = tg::io::read_pt(fixture("libtorch_tensor.pt"));
  REQUIRE(one.entries().size() == 1);
  const tg::Tensor t = one.find("0")->as_tensor();
  CHECK(t.shape() == tg::Shape{2, 3});
  CHECK(values(t) == std::vector<double>{0, 1, 2, 3, 4, 5});

  const PtValue many = tg::io::read_pt(fixture("libtorch_vector.pt"));
  REQUIRE(many.entries().size() == 3);
  const tg::Tensor a = many.find("0")->as_tensor(), at = many.find("1")->as_tensor(), ints = many.find("2")->as_tensor();
  CHECK(values(at) == std::vector<double>{0, 3, 1, 4, 2, 5});
  CHECK(at.data_ptr() == a.data_ptr());  // one storage in the file: views of one tensor
  CHECK(ints.dtype() == tg::kInt64);
  CHECK(values(ints) == std::vector<double>{1, 2, 3});
  // Only that class: with any other, or in an archive without TorchScript's records, it is refused.
  // (The archive rebuilt with the library's writer, each record the same but data.pkl's class name.)
  auto rebuilt = [](const std::string& file, bool keep_torchscript_records, const std::string& class_name) {
    const tg::io::ZipReader zip(fixture(file));
    Bytes out;
    tg::io::ZipWriter writer([](void* o, const void* d, std::uint64_t n) {
      auto* bytes = static_cast<Bytes*>(o);
      bytes->insert(bytes->end(), static_cast<const std::uint8_t*>(d), static_cast<const std::uint8_t*>(d) + n);
    }, &out);
    for (const auto& e : zip.entries()) {
      Bytes data = zip.read(e);
      if (e.name.find("data.pkl") != std::string::npos) {
        std::string pickle(data.begin(), data.end());
        pickle.replace(pickle.find("Module\n"), 6, class_name);
        data.assign(pickle.begin(), pickle.end());
      }
      if (keep_torchscript_records || (e.name.find("/code/") == std::string::npos && e.name.find("constants.pkl") == std::string::npos))
        writer.add(e.name, data);
    }
    writer.finish();
    return out;
  };
  REQUIRE(tg::io::read_pt(rebuilt("libtorch_tensor.pt", true, "Module"), "rebuilt").entries().size() == 1);
  CHECK_THROWS_WITH(tg::io::read_pt(rebuilt("libtorch_tensor.pt", true, "Modulf"), "renamed"),
                    Contains("the class '__torch__.Modulf'") && Contains("TorchScript archive"));
  CHECK_THROWS_WITH(tg::io::read_pt(rebuilt("libtorch_tensor.pt", false, "Module"), "not torchscript"),
                    Contains("refuses the global '__torch__.Module'"));
}

TEST_CASE("pt: the legacy format and TorchScript archives are refused, naming the format", "[checkpoint][pt]") {
  CHECK_THROWS_WITH(tg::io::read_pt(fixture("legacy.pt")),
                    Contains("legacy.pt") && Contains("legacy (pre-1.6)") && Contains("re-save it with PyTorch 1.6"));
  CHECK_THROWS_WITH(tg::io::read_pt(fixture("torchscript.pt")),
                    Contains("torchscript.pt") && Contains("TorchScript archive") && Contains("torch::save"));
  TempDir dir;
  auto m = std::make_unique<Params>(std::vector<std::pair<std::string, tg::Tensor>>{{"w", tg::zeros({2})}});
  CHECK_THROWS_WITH(tg::load(*m, fixture("legacy.pt")), Contains("legacy (pre-1.6)"));
}
