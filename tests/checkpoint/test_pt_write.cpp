// Writing .pt files: what write_pt writes, read_pt reads back exactly (the Python side of the same
// check is tests/consumers/check_torch.py); tg::save(module, "x.pt") picks the format from the name,
// writes atomically, and tg::load takes the file back.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>

#include <tapegrad/core/io/pickle.hpp>
#include <tapegrad/core/io/pt.hpp>
#include <tapegrad/core/io/zip.hpp>
#include <tapegrad/nn/checkpoint.hpp>

#include "../support/files.hpp"

using namespace support;
using tg::io::PtValue;
using Kind = PtValue::Kind;
using Catch::Contains;

TEST_CASE("pt: write_pt then read_pt gives back every kind of value", "[checkpoint][pt]") {
  const tg::Tensor f32 = tg::from_vector(std::vector<float>{1.5f, -0.0f, std::numeric_limits<float>::infinity(), 1e-45f}, {2, 2});
  const tg::Tensor f64 = tg::from_vector(std::vector<double>{0.1, -2.5, 1e-308}, {3});
  const tg::Tensor i64 = tg::from_vector(std::vector<std::int64_t>{INT64_MIN, INT64_MAX, 0, -1, 256, 65536}, {1, 2, 3});
  const tg::Tensor scalar = tg::full({}, 4.0, tg::kFloat64);
  const tg::Tensor empty = tg::zeros({2, 0, 3});
  PtValue root = PtValue::dict(/*ordered=*/true);
  PtValue list = PtValue::list();
  const std::int64_t ints[] = {0, 255, 256, 65535, 65536, INT32_MIN, INT32_MAX, std::int64_t{INT32_MAX} + 1, INT64_MIN, INT64_MAX, -1};
  for (std::int64_t i : ints) list.append(PtValue::integer(i));
  list.append(PtValue::floating(-0.25));
  list.append(PtValue::boolean(true));
  list.append(PtValue());
  list.append(PtValue::string(std::string("a\0b", 3)));
  list.append(PtValue::tuple({PtValue::integer(1), PtValue::integer(2), PtValue::integer(3), PtValue::integer(4)}));
  root.set(PtValue::string("list"), list);
  root.set(PtValue::string("tensors"), PtValue::tuple({PtValue::tensor(f32), PtValue::tensor(f64), PtValue::tensor(i64),
                                                        PtValue::tensor(scalar), PtValue::tensor(empty)}));
  PtValue by_int = PtValue::dict();
  by_int.set(PtValue::integer(-3), PtValue::string("minus three"));
  root.set(PtValue::string("by_int"), by_int);

  TempDir dir;
  tg::io::write_pt(dir / "tree.pt", root);
  const PtValue back = tg::io::read_pt(dir / "tree.pt");
  CHECK(back.ordered());
  const PtValue::Items& items = back.find("list")->items();
  REQUIRE(items.size() == std::size(ints) + 5);
  for (std::size_t i = 0; i < std::size(ints); ++i) CHECK(items[i].as_int() == ints[i]);
  CHECK(items[11].as_float() == -0.25);
  CHECK(std::signbit(items[11].as_float()));
  CHECK(items[12].as_bool());
  CHECK(items[13].is_none());
  CHECK(items[14].as_string() == std::string("a\0b", 3));
  CHECK(items[15].items().size() == 4);
  const PtValue::Items& tensors = back.find("tensors")->items();
  const tg::Tensor originals[] = {f32, f64, i64, scalar, empty};
  for (std::size_t i = 0; i < 5; ++i) {
    INFO("tensor " << i);
    CHECK(tensors[i].as_tensor().dtype() == originals[i].dtype());
    CHECK(tensors[i].as_tensor().shape() == originals[i].shape());
    CHECK(read_file(dir / "tree.pt").size() > 0);
    const std::size_t bytes = static_cast<std::size_t>(originals[i].numel()) * tg::element_size(originals[i].dtype());
    CHECK(std::memcmp(tensors[i].as_tensor().contiguous().raw_data(), originals[i].raw_data(), bytes) == 0);
  }
  CHECK_FALSE(back.find("by_int")->ordered());
  CHECK(back.find("by_int")->find(std::int64_t{-3})->as_string() == "minus three");
  CHECK(dir.entries() == std::vector<std::string>{"tree.pt"});  // no temporary left over
}

TEST_CASE("pt: tensors sharing a storage are written as one storage and read back as views of it", "[checkpoint][pt]") {
  const tg::Tensor w = tg::arange(6, tg::kFloat64).reshape({2, 3});
  const tg::Tensor wt = w.t(), row = w.select(0, 1), column = w.select(1, 2);
  const tg::Tensor other = tg::arange(2, tg::kFloat64);  // a storage of its own
  PtValue root = tg::io::state_dict_value({{"w", w}, {"wt", wt}, {"row", row}, {"column", column}, {"other", other}});
  const Bytes bytes = tg::io::pt_bytes(root);
  std::vector<std::string> records;
  const tg::io::ZipReader zip(bytes, "m");
  for (const auto& e : zip.entries())
    if (e.name.rfind("archive/data/", 0) == 0) records.push_back(e.name);
  CHECK(records == std::vector<std::string>{"archive/data/0", "archive/data/1"});

  const auto back = tg::io::pt_state_dict(tg::io::read_pt(bytes, "m"), "m");
  REQUIRE(back.size() == 5);
  for (std::size_t i = 0; i < back.size(); ++i) {
    const tg::Tensor& original = root.entries()[i].second.as_tensor();
    INFO(back[i].first);
    CHECK(back[i].second.strides() == original.strides());
    CHECK(back[i].second.storage_offset() == original.storage_offset());
    CHECK(values(back[i].second) == values(original));
  }
  // One storage read back: a write through one name shows through the others, not in `other`.
  tg::Tensor(back[0].second).fill_(7.0);
  CHECK(values(back[1].second) == std::vector<double>(6, 7.0));
  CHECK(values(back[2].second) == std::vector<double>(3, 7.0));
  CHECK(values(back[3].second) == std::vector<double>(2, 7.0));
  CHECK(values(back[4].second) == std::vector<double>{0, 1});
}

TEST_CASE("pt: the archive is laid out as torch.save lays it out", "[checkpoint][pt]") {
  const tg::Tensor w = tg::ones({2, 3});
  PtValue root = tg::io::state_dict_value({{"w", w}, {"tied", w}, {"b", tg::zeros({3}, tg::kInt64)}});
  const Bytes bytes = tg::io::pt_bytes(root);
  const tg::io::ZipReader zip(bytes, "m");
  std::vector<std::string> names;
  for (const auto& e : zip.entries()) {
    names.push_back(e.name);
    CHECK(e.method == 0);
    CHECK(e.data_offset % 64 == 0);  // aligned, as torch aligns them
  }
  // Tensors over the same memory share one storage, as tied weights do in PyTorch.
  CHECK(names == std::vector<std::string>{"archive/data.pkl", "archive/data/0", "archive/data/1", "archive/version"});
  CHECK(zip.read(*zip.find("archive/version")) == Bytes{'3', '\n'});
  CHECK(tg::io::looks_like_pt(bytes));
}

TEST_CASE("pt: write_pt refuses what it cannot write, before touching the file", "[checkpoint][pt]") {
  TempDir dir;
  write_file(dir / "old.pt", std::string("previous"));
  CHECK_THROWS_WITH(tg::io::write_pt(dir / "old.pt", PtValue::global("os.system")), Contains("a global cannot be written"));
  CHECK_THROWS_WITH(tg::io::write_pt(dir / "old.pt", PtValue::tensor(tg::Tensor())), Contains("undefined tensor"));
  CHECK_THROWS_WITH(tg::io::write_pt(dir / "old.pt", tg::io::NamedTensors{{"a", tg::ones({1})}, {"a", tg::ones({1})}}),
                    Contains("'a' appears twice"));
  CHECK(read_file(dir / "old.pt") == "previous");
  CHECK(dir.entries() == std::vector<std::string>{"old.pt"});
  CHECK_THROWS_WITH(tg::io::write_pt((dir / "missing" / "x.pt").string(), PtValue()),
                    Contains("x.pt"));
}

TEST_CASE("pt: tg::save to a .pt name writes PyTorch's format, tg::load reads it back exactly", "[checkpoint][pt]") {
  for (const char* name : {"model.pt", "model.pth"}) {
    INFO(name);
    TempDir dir;
    TwoLayer saved(tg::kFloat32), loaded(tg::kFloat32);
    fill_distinct(saved, 0.1);
    fill_distinct(loaded, 7.0);
    tg::save(saved, dir / name);
    const std::string bytes = read_file(dir / name);
    CHECK(bytes.substr(0, 4) == "PK\x03\x04");
    const auto before = versions(loaded);
    tg::load(loaded, dir / name);
    CHECK(snapshot(loaded) == snapshot(saved));
    for (std::size_t i = 0; i < before.size(); ++i) CHECK(versions(loaded)[i] > before[i]);
  }
  // Other names keep safetensors.
  TempDir dir;
  TwoLayer m(tg::kFloat32);
  tg::save(m, dir / "model.safetensors");
  CHECK(read_file(dir / "model.safetensors").substr(0, 4) != "PK\x03\x04");
}

TEST_CASE("pt: a .pt state_dict that does not fit the module is refused, the module untouched", "[checkpoint][pt]") {
  TempDir dir;
  auto module = std::make_unique<Params>(std::vector<std::pair<std::string, tg::Tensor>>{
      {"a", tg::zeros({2})}, {"b", tg::zeros({2}, tg::kFloat64)}});
  fill_distinct(*module, 3.0);
  const auto before = snapshot(*module);
  const auto check = [&](const tg::io::NamedTensors& file, const std::string& problem) {
    tg::io::write_pt(dir / "m.pt", file);
    CHECK_THROWS_WITH(tg::load(*module, dir / "m.pt"), Contains(problem) && Contains("m.pt"));
    CHECK(snapshot(*module) == before);
  };
  check({{"a", tg::ones({2})}}, "missing 'b'");
  check({{"a", tg::ones({2})}, {"b", tg::ones({2}, tg::kFloat64)}, {"c", tg::ones({1})}}, "unexpected 'c'");
  check({{"a", tg::ones({3})}, {"b", tg::ones({2}, tg::kFloat64)}}, "has shape [3] but the module's parameter has shape [2]");
  tg::io::write_pt(dir / "list.pt", PtValue::list());
  CHECK_THROWS_WITH(tg::load(*module, dir / "list.pt"), Contains("holds a list, not a state_dict"));
  PtValue dict = PtValue::dict();
  dict.set(PtValue::string("a"), PtValue::integer(1));
  tg::io::write_pt(dir / "int.pt", dict);
  CHECK_THROWS_WITH(tg::load(*module, dir / "int.pt"), Contains("entry 'a' is a int, not a tensor"));
  CHECK(snapshot(*module) == before);
  // Another dtype is converted, as copy_ and the safetensors load convert (a float32 'b' into float64).
  tg::io::write_pt(dir / "f32.pt", {{"a", tg::full({2}, 2.5)}, {"b", tg::full({2}, 0.5)}});
  tg::load(*module, dir / "f32.pt");
  CHECK(snapshot(*module) == std::vector<double>{2.5, 2.5, 0.5, 0.5});
}

TEST_CASE("pt: a safetensors file is never taken for a .pt file", "[checkpoint][pt]") {
  // A safetensors length field is below 2^27: its bytes 4 to 7 are zero, even when its first four
  // spell a zip signature or the legacy pickle start.
  CHECK_FALSE(tg::io::looks_like_pt(Bytes{'P', 'K', 3, 4, 0, 0, 0, 0}));
  CHECK_FALSE(tg::io::looks_like_pt(Bytes{0x80, 0x02, 0, 0, 0, 0, 0, 0}));
  CHECK(tg::io::looks_like_pt(Bytes{0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46}));
  CHECK(tg::io::looks_like_pt(Bytes{'P', 'K', 3, 4, 20, 0, 0, 8}));
}
