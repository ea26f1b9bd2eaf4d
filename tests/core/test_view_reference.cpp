// PyTorch 1.13's view semantics (tests/fixtures/view_reference.txt, written by make_view_fixture.py): for
// every view op on contiguous and already-strided inputs, the output's sizes, strides, storage offset,
// contiguity and values, and the gradient flowing back to the base; matmul over every rank pair, bmm,
// baddbmm, tril/triu and masked_fill; writes through views; and PyTorch's messages for the refusals.
#include <catch2/catch.hpp>

#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

#include "../support/helpers.hpp"

using namespace tg::indexing;

namespace {

struct Layout {
  tg::Shape sizes;
  tg::Strides strides;
  std::int64_t offset = 0;
  bool contiguous = false;
};
struct Values {
  tg::Shape shape;
  std::vector<double> values;
};
struct Case {
  std::map<std::string, Values> values;   // base, in1.., out, outK, gradK
  std::map<std::string, Layout> layouts;  // layout, layoutK
  std::string error;
};

tg::Shape parse_dims(const std::string& s) {
  tg::Shape dims;
  if (s == "scalar") return dims;
  std::istringstream in(s);
  std::string d;
  while (std::getline(in, d, 'x')) dims.push_back(std::stoll(d));
  return dims;
}

const std::map<std::string, Case>& fixture() {
  static const std::map<std::string, Case> cases = [] {
    std::ifstream file(std::string(TAPEGRAD_SOURCE_DIR) + "/tests/fixtures/view_reference.txt");
    REQUIRE(file.good());
    std::map<std::string, Case> all;
    std::string line;
    while (std::getline(file, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream in(line);
      std::string name, field;
      in >> name >> field;
      Case& c = all[name];
      if (field == "error") {
        std::getline(in >> std::ws, c.error);
      } else if (field.rfind("layout", 0) == 0) {
        std::string sizes, strides;
        Layout l;
        int contiguous = 0;
        in >> sizes >> strides >> l.offset >> contiguous;
        l.sizes = parse_dims(sizes);
        l.strides = parse_dims(strides);
        l.contiguous = contiguous != 0;
        c.layouts[field] = l;
      } else {
        std::string dtype, shape, v;
        in >> dtype >> shape;
        Values f{parse_dims(shape), {}};
        while (in >> v) f.values.push_back(std::strtod(v.c_str(), nullptr));
        c.values[field] = f;
      }
    }
    return all;
  }();
  return cases;
}

void check_values(const tg::Tensor& got, const Values& expected, const std::string& what) {
  INFO(what);
  REQUIRE(got.defined());
  REQUIRE(got.shape() == expected.shape);
  support::check_close(got, expected.values);
}

void check_layout(const tg::Tensor& got, const Layout& expected, const std::string& what) {
  INFO(what << ": sizes " << tg::shape_str(got.sizes()) << " strides " << tg::shape_str(got.strides()) << " offset "
            << got.storage_offset());
  CHECK(got.sizes() == expected.sizes);
  CHECK(got.strides() == expected.strides);
  CHECK(got.storage_offset() == expected.offset);
  CHECK(got.is_contiguous() == expected.contiguous);
}

tg::Tensor make(const Values& v, bool requires_grad) {
  tg::Tensor t = tg::from_vector(v.values, v.shape);
  if (requires_grad) t.requires_grad_(true);
  return t;
}

// The fixture's input layouts, made from the base as make_view_fixture.py makes them.
tg::Tensor make_input(char kind, const tg::Tensor& base) {
  switch (kind) {
    case 'c': return base;
    case 'p': return base.permute({2, 0, 1});
    case 's': return base.index({Slice(), Slice(), Slice(None, None, 2)});
    case 'o': return base.index({Slice(1, None), Slice(1, None), Slice(1, 4)});
  }
  FAIL("unknown input layout " << kind);
  return {};
}

using Outputs = std::vector<tg::Tensor>;
using ViewFn = std::function<Outputs(const tg::Tensor&)>;
Outputs one(const tg::Tensor& t) { return {t}; }

const std::map<std::string, ViewFn>& view_ops() {
  static const std::map<std::string, ViewFn> ops = {
      {"view", [](const tg::Tensor& x) { return one(x.is_contiguous() ? x.view({4, 3, 2}) : x.reshape({-1}).view({3, -1})); }},
      {"view_size1", [](const tg::Tensor& x) { return one(x.index({Slice(), Slice(None, 1)}).view({x.size(0), 1, 1, x.size(2)})); }},
      {"view_trailing1", [](const tg::Tensor& x) {
         const tg::Tensor p = x.permute({2, 0, 1});
         return one(p.view({p.size(0), p.size(1), p.size(2), 1}));
       }},
      {"reshape", [](const tg::Tensor& x) { return one(x.reshape({x.size(0), -1})); }},
      {"flatten", [](const tg::Tensor& x) { return one(x.flatten(1)); }},
      {"transpose", [](const tg::Tensor& x) { return one(x.transpose(0, 2)); }},
      {"t", [](const tg::Tensor& x) { return one(x.select(0, 0).t()); }},
      {"permute", [](const tg::Tensor& x) { return one(x.permute({1, 2, 0})); }},
      {"movedim", [](const tg::Tensor& x) { return one(x.movedim(0, -1)); }},
      {"expand", [](const tg::Tensor& x) { return one(x.index({Slice(), Slice(None, 1)}).expand({x.size(0), 3, x.size(2)})); }},
      {"expand_new_dims", [](const tg::Tensor& x) { return one(x.select(0, 0).select(0, 0).expand({2, 1, 3, x.size(2)})); }},
      {"broadcast_to", [](const tg::Tensor& x) {
         return one(tg::broadcast_to(x.index({Slice(), Slice(), Slice(None, 1)}), {4, x.size(0), x.size(1), 2}));
       }},
      {"narrow", [](const tg::Tensor& x) { return one(x.narrow(2, 1, 2)); }},
      {"narrow_empty", [](const tg::Tensor& x) { return one(x.narrow(2, x.size(2), 0)); }},
      {"select", [](const tg::Tensor& x) { return one(x.select(1, -1)); }},
      {"slice_step", [](const tg::Tensor& x) { return one(x.index({Slice(), Slice(None, None, 2), Slice(1, None)})); }},
      {"index_mixed", [](const tg::Tensor& x) { return one(x.index({1, None, Ellipsis, Slice(None, None, 2)})); }},
      {"unsqueeze", [](const tg::Tensor& x) { return one(x.unsqueeze(1)); }},
      {"unsqueeze_last", [](const tg::Tensor& x) { return one(x.unsqueeze(-1)); }},
      {"squeeze", [](const tg::Tensor& x) { return one(x.index({Slice(), Slice(None, 1)}).squeeze(1)); }},
      {"squeeze_all", [](const tg::Tensor& x) { return one(x.index({Slice(None, 1), Slice(), Slice(None, 1)}).squeeze()); }},
      {"unflatten", [](const tg::Tensor& x) { return one(x.flatten(1).unflatten(1, {x.size(1), x.size(2)})); }},
      {"diagonal", [](const tg::Tensor& x) { return one(x.diagonal(1, 1, 2)); }},
      {"diagonal_negative", [](const tg::Tensor& x) { return one(x.diagonal(-1, 0, 2)); }},
      {"diagonal_empty", [](const tg::Tensor& x) { return one(x.diagonal(10, 1, 2)); }},
      {"unfold", [](const tg::Tensor& x) { return one(x.unfold(2, 2, 1)); }},
      {"as_strided", [](const tg::Tensor& x) { return one(x.contiguous().as_strided({2, 2}, {3, 1}, 1)); }},
      {"unbind", [](const tg::Tensor& x) { return x.unbind(1); }},
      {"split", [](const tg::Tensor& x) { return x.split(2, 2); }},
      {"split_sizes", [](const tg::Tensor& x) { return tg::split(x, std::vector<std::int64_t>{1, 0, x.size(1) - 1}, 1); }},
      {"chunk", [](const tg::Tensor& x) { return x.chunk(2, 0); }},
      {"contiguous", [](const tg::Tensor& x) { return one(x.contiguous()); }},
      {"clone", [](const tg::Tensor& x) { return one(x.clone()); }},
  };
  return ops;
}

// Weights as the fixture's: 0.5 + i / (n - 1), or 1 for one element.
tg::Tensor weights(const tg::Tensor& out) {
  const std::int64_t n = out.numel();
  std::vector<double> w(static_cast<std::size_t>(n), 1.0);
  for (std::int64_t i = 0; i < n && n > 1; ++i) w[static_cast<std::size_t>(i)] = 0.5 + static_cast<double>(i) / static_cast<double>(n - 1);
  return tg::from_vector(w, out.shape());
}

}  // namespace

TEST_CASE("views match PyTorch 1.13: sizes, strides, offsets, values, gradients", "[core][views]") {
  std::size_t checked = 0;
  for (const auto& [op, fn] : view_ops())
    for (char kind : {'c', 'p', 's', 'o'}) {
      const std::string name = op + "_" + kind;
      DYNAMIC_SECTION(name) {
        const auto it = fixture().find(name);
        REQUIRE(it != fixture().end());
        const Case& c = it->second;
        tg::Tensor base = make(c.values.at("base"), true);
        const Outputs outs = fn(make_input(kind, base));
        const bool several = c.layouts.count("layout") == 0;
        REQUIRE(outs.size() == (several ? c.layouts.size() : 1));
        tg::Tensor total = tg::zeros({}, tg::kFloat64);
        for (std::size_t k = 0; k < outs.size(); ++k) {
          const std::string suffix = several ? std::to_string(k) : "";
          check_layout(outs[k], c.layouts.at("layout" + suffix), name + " layout" + suffix);
          check_values(outs[k], c.values.at("out" + suffix), name + " out" + suffix);
          total = total + (outs[k] * weights(outs[k]) * static_cast<double>(k + 1)).sum();
        }
        total.backward();
        check_values(base.grad(), c.values.at("grad0"), name + " grad0");
        ++checked;
      }
    }
  CHECK(checked > 0);
}

TEST_CASE("views share storage with their base: a view op copies nothing", "[core][views]") {
  tg::Tensor x = tg::arange(24.0, tg::kFloat64).reshape({2, 3, 4});
  for (const auto& [op, fn] : view_ops()) {
    if (op == "contiguous" || op == "clone" || op == "reshape" || op == "flatten" || op == "view") continue;
    for (const tg::Tensor& out : fn(x)) {
      INFO(op);
      CHECK(out.impl()->storage == x.impl()->storage);
    }
  }
}

TEST_CASE("matmul, bmm, baddbmm, tril/triu and masked_fill match PyTorch 1.13", "[core][views][matmul]") {
  using Fn2 = std::function<tg::Tensor(const std::vector<tg::Tensor>&)>;
  std::map<std::string, Fn2> cases;
  for (int ra = 1; ra <= 4; ++ra)
    for (int rb = 1; rb <= 4; ++rb)
      cases["matmul_" + std::to_string(ra) + "d_" + std::to_string(rb) + "d"] = [](const auto& x) { return tg::matmul(x[0], x[1]); };
  cases["matmul_transposed_b"] = [](const auto& x) { return tg::matmul(x[0], x[1].transpose(-2, -1)); };
  cases["matmul_transposed_a"] = [](const auto& x) { return tg::matmul(x[0].transpose(-2, -1), x[1]); };
  cases["bmm"] = [](const auto& x) { return tg::bmm(x[0], x[1]); };
  cases["baddbmm"] = [](const auto& x) { return tg::baddbmm(x[0], x[1], x[2], 0.5, 2.0); };
  cases["tril"] = [](const auto& x) { return tg::tril(x[0]); };
  cases["tril_minus1"] = [](const auto& x) { return tg::tril(x[0], -1); };
  cases["triu_plus1"] = [](const auto& x) { return tg::triu(x[0], 1); };
  cases["masked_fill_broadcast"] = [](const auto& x) {
    return tg::masked_fill(x[0], tg::triu(tg::ones({3, 4}), 1), -1.5);
  };
  for (const auto& [name, fn] : cases) {
    DYNAMIC_SECTION(name) {
      const Case& c = fixture().at(name);
      std::vector<tg::Tensor> inputs{make(c.values.at("base"), true)};
      for (int k = 1; c.values.count("in" + std::to_string(k)); ++k) inputs.push_back(make(c.values.at("in" + std::to_string(k)), true));
      const tg::Tensor out = fn(inputs);
      check_layout(out, c.layouts.at("layout"), name);
      check_values(out, c.values.at("out"), name + " out");
      (out * weights(out)).sum().backward();
      for (std::size_t k = 0; k < inputs.size(); ++k)
        check_values(inputs[k].grad(), c.values.at("grad" + std::to_string(k)), name + " grad" + std::to_string(k));
    }
  }
}

TEST_CASE("writes through views change the base as PyTorch's do", "[core][views]") {
  using Write = std::function<void(tg::Tensor&)>;
  const std::map<std::string, Write> writes = {
      {"write_select_fill", [](tg::Tensor& b) { b.select(1, 2).fill_(7); }},
      {"write_transpose_copy", [](tg::Tensor& b) {
         b.t().index({Slice(1, 3)}).copy_(tg::arange(6.0, tg::kFloat64).reshape({2, 3}));
       }},
      {"write_slice_add", [](tg::Tensor& b) {
         tg::Tensor v = b.index({Slice(), Slice(None, None, 2)});
         tg::add_(v, tg::ones({2}, tg::kFloat64));
       }},
      {"write_diagonal_mul", [](tg::Tensor& b) {
         b.fill_(2);
         tg::Tensor d = b.diagonal();
         tg::mul_(d, 3);
       }},
      {"write_index_put", [](tg::Tensor& b) { b.t().index_put_({tg::tensor({0, 3})}, 5.0); }},
      {"write_masked_fill", [](tg::Tensor& b) {
         tg::Tensor v = b.t();
         tg::masked_fill_(v, tg::triu(tg::tril(tg::ones({4, 3}))), 9);
       }},
  };
  for (const auto& [name, write] : writes) {
    DYNAMIC_SECTION(name) {
      tg::Tensor base = tg::zeros({3, 4}, tg::kFloat64);
      const auto version = base.version();
      {
        tg::NoGradGuard no_grad;
        write(base);
      }
      CHECK(base.version() > version);  // the view's write bumped the base's (shared) counter
      check_values(base, fixture().at(name).values.at("out"), name);
    }
  }
}

namespace {
std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no exception)";
}
// PyTorch's message without its "torch.DoubleTensor"-style type names and hint, which tapegrad words its way.
void check_message(const std::string& got, const std::string& case_name, const std::string& core) {
  const std::string& expected = fixture().at(case_name).error;
  INFO("tapegrad: " << got << "\nPyTorch:  " << expected);
  REQUIRE(expected.find(core) != std::string::npos);
  CHECK(got.find(core) != std::string::npos);
}
}  // namespace

TEST_CASE("view refusals carry PyTorch's messages", "[core][views]") {
  check_message(message_of([] { tg::zeros({3, 4}).t().view({-1}); }), "view_incompatible",
                "view size is not compatible with input tensor's size and stride (at least one dimension spans across "
                "two contiguous subspaces). Use .reshape(...) instead.");
  check_message(message_of([] {
                  tg::Tensor x = tg::ones({3, 2}, tg::kFloat64).requires_grad_(true);
                  tg::Tensor piece = x.unbind(0)[1];
                  tg::mul_(piece, 2);
                }),
                "inplace_on_unbind", fixture().at("inplace_on_unbind").error);
  check_message(message_of([] {
                  tg::Tensor x = tg::zeros({3, 1}, tg::kFloat64).expand({3, 4});
                  tg::add_(x, tg::ones({}, tg::kFloat64));
                }),
                "write_into_expanded", fixture().at("write_into_expanded").error);
  check_message(message_of([] {
                  tg::Tensor x = tg::ones({2, 3}, tg::kFloat64).requires_grad_(true);
                  tg::Tensor y = tg::exp(x);
                  {
                    tg::NoGradGuard no_grad;
                    y.t().select(0, 0).fill_(0);
                  }
                  y.sum().backward();
                }),
                "saved_value_changed_through_view", "which is output 0 of ExpBackward0, is at version 1; expected version 0 instead");
  check_message(message_of([] {
                  tg::Tensor x = tg::arange(5.0, tg::kFloat64);
                  x.index({Slice(1, None)}).copy_(x.index({Slice(None, -1)}));
                }),
                "copy_partial_overlap", fixture().at("copy_partial_overlap").error);
  check_message(message_of([] { tg::zeros({2, 3}).expand({4, 3, 2}); }), "expand_mismatch",
                fixture().at("expand_mismatch").error);
}

TEST_CASE("fill_ writes one value into an expanded tensor, as PyTorch", "[core][views]") {
  tg::Tensor base = tg::zeros({3, 1});
  tg::Tensor x = base.expand({3, 4});
  x.fill_(2.5);
  CHECK(tg::to_vector<float>(base) == std::vector<float>{2.5f, 2.5f, 2.5f});
}
