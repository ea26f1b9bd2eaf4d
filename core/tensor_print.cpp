// operator<< for tensors, printing exactly as PyTorch 1.13's repr (torch/_tensor_str.py): one number
// format for the whole tensor (fixed, integer-valued "1." or scientific), right-aligned columns,
// rows wrapped at 80 characters, "..." summaries above 1000 elements, and the same suffixes, except
// that a dtype is named as tapegrad names it ("dtype=float64", not "dtype=torch.float64").
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

#include "autograd.hpp"
#include "ops/strided.hpp"
#include "tensor.hpp"

namespace tapegrad {

namespace {

constexpr int kLineWidth = 80;
constexpr std::int64_t kThreshold = 1000;  // more elements than this: summarise
constexpr std::int64_t kEdgeItems = 3;     // elements kept at each end of a summarised dim

std::string printf_number(const char* format, double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, v);
  return buffer;
}

std::string pad_left(std::string s, std::size_t width) {
  return s.size() < width ? std::string(width - s.size(), ' ') + s : s;
}

class Printer {
 public:
  explicit Printer(const Tensor& t) : t_(t), floating_(t.is_floating_point()), summarize_(t.numel() > kThreshold) {
    strides_ = t.strides();  // the tensor's own: a view prints its elements, not its storage
    choose_format();
  }

  std::string body() const { return t_.dim() == 0 ? format(0) : tensor_str(0, 0, 7); }

 private:
  double value(std::int64_t flat) const {
    return dispatch_floating(t_.dtype(), "print", [&](auto tag) {
      return static_cast<double>(t_.data_ptr<decltype(tag)>()[flat]);
    });
  }

  // Indices shown along dim d: all of them, or the first and last kEdgeItems when summarising.
  std::vector<std::int64_t> shown(std::size_t d) const {
    const std::int64_t n = t_.shape()[d];
    std::vector<std::int64_t> idx;
    for (std::int64_t i = 0; i < n; ++i)
      if (!elided(n) || i < kEdgeItems || i >= n - kEdgeItems) idx.push_back(i);
    return idx;
  }
  bool elided(std::int64_t n) const { return summarize_ && n > 2 * kEdgeItems; }

  // Flat offsets of every element that will be printed (the tensor's dims are few: recursion is fine).
  void collect_shown(std::size_t d, std::int64_t offset, std::vector<std::int64_t>& out) const {
    if (d == t_.shape().size()) { out.push_back(offset); return; }
    for (std::int64_t i : shown(d)) collect_shown(d + 1, offset + i * strides_[d], out);
  }

  // PyTorch's _Formatter: the format and column width come from the non-zero finite values shown.
  void choose_format() {
    std::vector<std::int64_t> offsets;
    collect_shown(0, 0, offsets);
    if (!floating_) {
      for (auto o : offsets) width_ = std::max(width_, std::to_string(t_.data_ptr<std::int64_t>()[o]).size());
      return;
    }
    std::vector<double> finite;
    for (auto o : offsets)
      if (const double v = value(o); std::isfinite(v) && v != 0) finite.push_back(v);
    if (finite.empty()) return;
    double lo = INFINITY, hi = 0;
    for (double v : finite) {
      lo = std::min(lo, std::abs(v));
      hi = std::max(hi, std::abs(v));
      if (v != std::ceil(v)) int_mode_ = false;
    }
    sci_mode_ = hi / lo > 1000.0 || hi > 1e8 || (!int_mode_ && lo < 1e-4);
    for (double v : finite) {
      const std::size_t len = sci_mode_ ? printf_number("%.4e", v).size()
                              : int_mode_ ? printf_number("%.0f", v).size() + 1
                                          : printf_number("%.4f", v).size();
      width_ = std::max(width_, len);
    }
  }

  std::string format(std::int64_t flat) const {
    if (!floating_) return pad_left(std::to_string(t_.data_ptr<std::int64_t>()[flat]), width_);
    const double v = value(flat);
    std::string s;
    if (std::isnan(v)) s = "nan";  // never "-nan"
    else if (std::isinf(v)) s = v > 0 ? "inf" : "-inf";
    else if (sci_mode_) s = printf_number("%.4e", v);
    else if (int_mode_) s = printf_number("%.0f", v) + ".";
    else s = printf_number("%.4f", v);
    return pad_left(s, width_);
  }

  // The innermost dim: elements separated by ", ", wrapped to the line width.
  std::string vector_str(std::int64_t offset, int indent) const {
    const std::size_t d = t_.shape().size() - 1;
    const std::int64_t n = t_.shape()[d];
    std::vector<std::string> items;
    for (std::int64_t i : shown(d)) {
      if (elided(n) && i == n - kEdgeItems) items.push_back(" ...");
      items.push_back(format(offset + i * strides_[d]));
    }
    const int per_line = std::max(1, (kLineWidth - indent) / static_cast<int>(width_ + 2));
    std::string s = "[";
    for (std::size_t k = 0; k < items.size(); ++k) {
      if (k > 0) s += k % static_cast<std::size_t>(per_line) == 0 ? ",\n" + std::string(indent + 1, ' ') : ", ";
      s += items[k];
    }
    return s + "]";
  }

  // Outer dims: sub-tensors separated by "," and one newline per remaining dim.
  std::string tensor_str(std::size_t d, std::int64_t offset, int indent) const {
    const std::size_t remaining = t_.shape().size() - d;
    if (remaining == 1) return vector_str(offset, indent);
    const std::int64_t n = t_.shape()[d];
    std::string separator(",");
    separator.append(remaining - 1, '\n').append(static_cast<std::size_t>(indent + 1), ' ');
    std::string s = "[";
    bool first = true;
    for (std::int64_t i : shown(d)) {
      if (!first) s += separator;
      if (elided(n) && i == n - kEdgeItems) s += "..." + separator;
      s += tensor_str(d + 1, offset + i * strides_[d], indent + 1);
      first = false;
    }
    return s + "]";
  }

  const Tensor& t_;
  bool floating_, summarize_;
  std::vector<std::int64_t> strides_;
  bool int_mode_ = true, sci_mode_ = false;
  std::size_t width_ = 1;
};

}  // namespace

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  if (!t.defined()) return os << "[ undefined Tensor ]";
  std::string text = "tensor(";
  std::vector<std::string> suffixes;
  if (t.numel() == 0) {
    text += "[]";
    if (t.dim() != 1) {
      std::string size = "size=(";
      for (std::int64_t d = 0; d < t.dim(); ++d) size += (d ? ", " : "") + std::to_string(t.shape()[d]);
      suffixes.push_back(size + ")");
    }
    if (t.dtype() != kFloat32) suffixes.push_back(std::string("dtype=") + dtype_name(t.dtype()));  // nothing to infer it from
  } else {
    text += Printer(t).body();
    // PyTorch names every dtype but the default and int64, which the values' text shows.
    if (t.dtype() != kFloat32 && t.dtype() != kInt64) suffixes.push_back(std::string("dtype=") + dtype_name(t.dtype()));
  }
  if (!t.is_leaf()) suffixes.push_back("grad_fn=<" + autograd::backward_name(t.grad_fn_name()) + ">");
  else if (t.requires_grad()) suffixes.push_back("requires_grad=True");

  // Suffixes go on the last line while it stays within the line width (PyTorch's _add_suffixes).
  const auto newline = text.rfind('\n');
  std::size_t last_line = newline == std::string::npos ? text.size() + 2 : text.size() - newline + 1;
  for (const auto& suffix : suffixes) {
    if (last_line + suffix.size() + 2 > static_cast<std::size_t>(kLineWidth)) {
      text += ",\n" + std::string(7, ' ') + suffix;
      last_line = 7 + suffix.size();
    } else {
      text += ", " + suffix;
      last_line += suffix.size() + 2;
    }
  }
  return os << text << ")";
}

}  // namespace tapegrad
