// Checkpoints: saving then loading restores every parameter bit for bit, and the file is laid out
// as the safetensors format says (checked here byte by byte, independently of the loader).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include <tapegrad/nn/checkpoint.hpp>

#include "../support/files.hpp"

using namespace support;

TEST_CASE("checkpoint: float32 and float64 round trips", "[checkpoint]") {
  for (tg::Dtype dtype : {tg::kFloat32, tg::kFloat64}) {
    INFO("dtype " << tg::dtype_name(dtype));
    TempDir dir;
    TwoLayer saved(dtype), loaded(dtype);
    fill_distinct(saved, 0.1);
    fill_distinct(loaded, 7.0);
    REQUIRE(snapshot(saved) != snapshot(loaded));
    tg::save(saved, dir / "model.safetensors");
    const auto before = versions(loaded);
    tg::load(loaded, dir / "model.safetensors");
    CHECK(snapshot(loaded) == snapshot(saved));  // exact: raw bytes in, raw bytes out
    for (std::size_t i = 0; i < before.size(); ++i) CHECK(versions(loaded)[i] > before[i]);
    for (auto& p : loaded.parameters()) CHECK(p.dtype() == dtype);
    CHECK(dir.entries() == std::vector<std::string>{"model.safetensors"});  // no temporary left over
  }
}

TEST_CASE("checkpoint: mixed dtypes, a 0-d tensor and an empty tensor", "[checkpoint]") {
  auto make = [] {
    return std::make_unique<Params>(std::vector<std::pair<std::string, tg::Tensor>>{
        {"f32", tg::zeros({2, 2}, tg::kFloat32)},
        {"f64", tg::zeros({3}, tg::kFloat64)},
        {"steps", tg::zeros({2}, tg::kInt64)},
        {"scale", tg::zeros({}, tg::kFloat32)},
        {"nothing", tg::zeros({0, 3}, tg::kFloat64)}});
  };
  TempDir dir;
  auto saved = make(), loaded = make();
  fill_distinct(*saved, 0.5);
  tg::save(*saved, dir / "m.safetensors");
  tg::load(*loaded, dir / "m.safetensors");
  CHECK(snapshot(*loaded) == snapshot(*saved));
  CHECK(tg::to_vector<std::int64_t>(loaded->parameters()[2]) == tg::to_vector<std::int64_t>(saved->parameters()[2]));
}

TEST_CASE("checkpoint: a tensor saved in another dtype is converted, as load_state_dict converts it", "[checkpoint]") {
  TempDir dir;
  // float32 into a float64 model: exact.
  TwoLayer f32(tg::kFloat32), f64(tg::kFloat64), by_dict(tg::kFloat64);
  fill_distinct(f32, 0.1);
  tg::save(f32, dir / "f32.safetensors");
  tg::load(f64, dir / "f32.safetensors");
  CHECK(snapshot(f64) == snapshot(f32));
  for (auto& p : f64.parameters()) CHECK(p.dtype() == tg::kFloat64);
  by_dict.load_state_dict(f32.state_dict());
  CHECK(snapshot(by_dict) == snapshot(f64));
  // float64 into a float32 model: rounded as copy_ rounds.
  fill_distinct(f64, 0.3);
  tg::save(f64, dir / "f64.safetensors");
  tg::load(f32, dir / "f64.safetensors");
  std::vector<double> rounded;
  for (auto& p : f64.parameters())
    for (double v : tg::to_vector<double>(p.to(tg::kFloat32))) rounded.push_back(v);
  CHECK(snapshot(f32) == rounded);
  for (auto& p : f32.parameters()) CHECK(p.dtype() == tg::kFloat32);

  // Floating values into an int64 buffer: truncated as copy_; one it cannot hold is refused, nothing written.
  auto one = [](tg::Tensor t) { return Params(std::vector<std::pair<std::string, tg::Tensor>>{{"steps", std::move(t)}}); };
  Params floats = one(tg::tensor({3.0, -2.5}, tg::kFloat64)), steps = one(tg::zeros({2}, tg::kInt64));
  tg::save(floats, dir / "floats.safetensors");
  tg::load(steps, dir / "floats.safetensors");
  CHECK(tg::to_vector<std::int64_t>(steps.parameters()[0]) == std::vector<std::int64_t>{3, -2});
  for (const double bad : {std::nan(""), 1e19, -double(INFINITY)}) {
    INFO("value " << bad);
    Params unfit = one(tg::tensor({1.0, bad}, tg::kFloat64));
    tg::save(unfit, dir / "unfit.safetensors");
    const auto version = steps.parameters()[0].version();
    CHECK_THROWS_WITH(tg::load(steps, dir / "unfit.safetensors"),
                      Catch::Contains("unfit.safetensors") && Catch::Contains("tensor 'steps' holds ") &&
                          Catch::Contains(", which the module's int64 tensor cannot hold"));
    CHECK(tg::to_vector<std::int64_t>(steps.parameters()[0]) == std::vector<std::int64_t>{3, -2});
    CHECK(steps.parameters()[0].version() == version);
  }
}

TEST_CASE("checkpoint: the file follows the safetensors layout", "[checkpoint]") {
  TempDir dir;
  TwoLayer model(tg::kFloat32);
  fill_distinct(model, 0.3);
  tg::save(model, dir / "model.safetensors");
  const std::string bytes = read_file(dir / "model.safetensors");

  REQUIRE(bytes.size() >= 8);
  const std::uint64_t n = read_length_field(bytes);
  REQUIRE(8 + n <= bytes.size());
  CHECK((8 + n) % 8 == 0);  // space padding aligns the data
  const std::string header_text = bytes.substr(8, n);
  CHECK(header_text.front() == '{');
  const auto header = nlohmann::json::parse(header_text);  // trailing spaces are valid JSON whitespace
  REQUIRE(header.is_object());
  CHECK(header["__metadata__"] == nlohmann::json{{"format", "pt"}});

  const std::string data = bytes.substr(8 + n);
  const auto named = model.named_parameters();
  CHECK(header.size() == named.size() + 1);
  std::uint64_t expected_begin = 0;
  for (const auto& [name, p] : named) {
    INFO("tensor " << name);
    REQUIRE(header.contains(name));
    const auto& entry = header[name];
    CHECK(entry["dtype"] == "F32");
    CHECK(entry["shape"].get<std::vector<std::int64_t>>() == p.shape());
    const auto offsets = entry["data_offsets"].get<std::vector<std::uint64_t>>();
    REQUIRE(offsets.size() == 2);
    CHECK(offsets[0] == expected_begin);  // packed in parameter order, no gaps
    const std::uint64_t size = static_cast<std::uint64_t>(p.numel()) * 4;
    CHECK(offsets[1] == offsets[0] + size);
    REQUIRE(offsets[1] <= data.size());
    // Little-endian float32 values, exactly the parameter's.
    std::vector<float> values(static_cast<std::size_t>(p.numel()));
    std::memcpy(values.data(), data.data() + offsets[0], size);
    CHECK(values == tg::to_vector<float>(p));
    expected_begin = offsets[1];
  }
  CHECK(expected_begin == data.size());  // the tensors cover the buffer exactly
  // The weight of layer "0" is (out=4, in=3), as PyTorch's Linear stores it.
  CHECK(header["0.weight"]["shape"] == nlohmann::json{4, 3});
}

TEST_CASE("checkpoint: saving again replaces the previous file", "[checkpoint]") {
  TempDir dir;
  TwoLayer first, second, loaded;
  fill_distinct(first, 1.0);
  fill_distinct(second, 2.0);
  tg::save(first, dir / "model.safetensors");
  tg::save(second, dir / "model.safetensors");
  tg::load(loaded, dir / "model.safetensors");
  CHECK(snapshot(loaded) == snapshot(second));
  CHECK(dir.entries() == std::vector<std::string>{"model.safetensors"});
}

TEST_CASE("checkpoint: loading keeps the handles an optimizer holds", "[checkpoint]") {
  TempDir dir;
  TwoLayer saved, loaded;
  fill_distinct(saved, 4.0);
  tg::save(saved, dir / "m.safetensors");
  const auto handles = loaded.parameters();  // e.g. inside an optimizer
  tg::load(loaded, dir / "m.safetensors");
  for (std::size_t i = 0; i < handles.size(); ++i) CHECK(handles[i].is_same(loaded.parameters()[i]));
  std::vector<double> through_handles;
  for (const auto& h : handles)
    for (double x : tg::to_vector<double>(h)) through_handles.push_back(x);
  CHECK(through_handles == snapshot(saved));
}
