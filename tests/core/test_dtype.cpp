// The dtype table (core/dtype.hpp): every row's traits agree with its storage type and with PyTorch,
// names round-trip through the file formats that parse them, and the dispatchers refuse what they
// must by name instead of running another dtype's code.
#include <set>
#include <sstream>
#include <string>
#include <type_traits>

#include <tapegrad/core/io/pt_tensor.hpp>
#include <tapegrad/core/io/safetensors.hpp>

#include "../support/helpers.hpp"

using Catch::Matchers::Message;

TEST_CASE("Dtype table: each row's size, name and floating flag agree with its storage type and PyTorch", "[core][dtype]") {
  STATIC_REQUIRE(tg::kDtypeCount == std::size(tg::kAllDtypes));
  std::set<std::string> names, torch_names;
  for (tg::Dtype d : tg::kAllDtypes) {
    INFO(tg::dtype_name(d));
    tg::dispatch(d, [&](auto tag) {
      using T = decltype(tag);
      CHECK(tg::element_size(d) == sizeof(T));
      CHECK(tg::dtype_of<T> == d);
      CHECK(std::is_same_v<typename tg::DtypeTraits<tg::dtype_of<T>>::storage_type, T>);
      // A floating dtype computes in a floating type, an integer one in an integer type.
      CHECK(tg::is_floating_point(d) == std::is_floating_point_v<tg::compute_t<T>>);
      CHECK(tg::is_floating_point(d) != std::is_integral_v<tg::compute_t<T>>);
    });
    CHECK(tg::zeros({2}, d).dtype() == d);
    CHECK(tg::zeros({2}, d).is_floating_point() == tg::is_floating_point(d));
    std::ostringstream os;
    os << d;
    CHECK(os.str() == tg::dtype_name(d));
    CHECK(names.insert(tg::dtype_name(d)).second);
    CHECK(torch_names.insert(tg::torch_scalar_type_name(d)).second);
  }
  // torch.float32.itemsize, str(torch.float32), torch.float32.is_floating_point, ...
  CHECK(tg::element_size(tg::kFloat32) == 4);
  CHECK(tg::element_size(tg::kFloat64) == 8);
  CHECK(tg::element_size(tg::kInt64) == 8);
  CHECK(std::string(tg::dtype_name(tg::kFloat32)) == "float32");
  CHECK(std::string(tg::dtype_name(tg::kFloat64)) == "float64");
  CHECK(std::string(tg::dtype_name(tg::kInt64)) == "int64");
  CHECK(std::string(tg::torch_scalar_type_name(tg::kFloat32)) == "Float");
  CHECK(std::string(tg::torch_scalar_type_name(tg::kFloat64)) == "Double");
  CHECK(std::string(tg::torch_scalar_type_name(tg::kInt64)) == "Long");
  STATIC_REQUIRE(tg::is_floating_point(tg::kFloat32));
  STATIC_REQUIRE(tg::is_floating_point(tg::kFloat64));
  STATIC_REQUIRE_FALSE(tg::is_floating_point(tg::kInt64));
}

TEST_CASE("Dtype table: every dtype's name round-trips through the safetensors and .pt formats", "[core][dtype]") {
  for (tg::Dtype d : tg::kAllDtypes) {
    INFO(tg::dtype_name(d));
    CHECK(tg::io::parse_safetensors_dtype(tg::io::safetensors_dtype(d)) == d);
    const tg::io::TorchStorageType* storage = tg::io::find_storage_type(tg::io::storage_class(d));
    REQUIRE(storage != nullptr);
    CHECK(storage->dtype == d);
    CHECK(storage->element_size == tg::element_size(d));
  }
  CHECK(std::string(tg::io::safetensors_dtype(tg::kFloat32)) == "F32");
  CHECK(std::string(tg::io::safetensors_dtype(tg::kFloat64)) == "F64");
  CHECK(std::string(tg::io::safetensors_dtype(tg::kInt64)) == "I64");
  CHECK_FALSE(tg::io::parse_safetensors_dtype("BF16").has_value());
}

TEST_CASE("dispatch_floating refuses int64 naming the op and the dtype; dispatch runs each dtype's own type",
          "[core][dtype]") {
  auto size_of = [](auto tag) { return sizeof(tag); };
  CHECK_THROWS_MATCHES(tg::dispatch_floating(tg::kInt64, "my_op", size_of), std::invalid_argument,
                       Message("my_op: expected a floating point tensor (float32 or float64) but got int64"));
  CHECK(tg::dispatch_floating(tg::kFloat32, "my_op", size_of) == sizeof(float));
  CHECK(tg::dispatch_floating(tg::kFloat64, "my_op", size_of) == sizeof(double));
  CHECK(tg::dispatch(tg::kFloat32, [](auto tag) { return std::is_same_v<decltype(tag), float>; }));
  CHECK(tg::dispatch(tg::kFloat64, [](auto tag) { return std::is_same_v<decltype(tag), double>; }));
  CHECK(tg::dispatch(tg::kInt64, [](auto tag) { return std::is_same_v<decltype(tag), std::int64_t>; }));
  // A value outside the enum (a corrupted or cast integer) runs no dtype's code: it used to fall
  // through to int64 in dispatch and to float32 in dispatch_floating.
  const auto bogus = static_cast<tg::Dtype>(tg::kDtypeCount + 7);
  CHECK_THROWS_MATCHES(tg::dispatch(bogus, size_of), std::invalid_argument, Message("invalid dtype value " + std::to_string(tg::kDtypeCount + 7) + " (not a row of the dtype table)"));
  CHECK_THROWS_AS(tg::dispatch_floating(bogus, "my_op", size_of), std::invalid_argument);
  CHECK_THROWS_AS(tg::element_size(bogus), std::invalid_argument);
  CHECK_THROWS_AS(tg::dtype_name(bogus), std::invalid_argument);
}
