// Tensor: a cheap, shared handle to a view of storage (sizes, strides and a storage offset, in elements,
// as PyTorch's TensorImpl) plus dtype and autograd state. Views share their base's storage and its version.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <type_traits>
#include <vector>

#include "arg.hpp"
#include "dtype.hpp"
#include "scalar.hpp"
#include "storage.hpp"

namespace tapegrad {

using Shape = std::vector<std::int64_t>;
using Strides = std::vector<std::int64_t>;  // in elements, one per dimension

std::string shape_str(const Shape& shape);  // "[2, 3]"
std::int64_t shape_numel(const Shape& shape);
// Maps a possibly negative dim into [0, ndim), with PyTorch's error text when out of range.
std::int64_t wrap_dim(std::int64_t dim, std::int64_t ndim);
// Whether `shape` broadcasts to `desired` unchanged (at::is_expandable_to): [3] and [1, 3] to [2, 3].
bool is_expandable_to(const Shape& shape, const Shape& desired);

class Tensor;
// The one dtype check between two operands (core/checks.cpp): std::invalid_argument
// "<op>: expected <names> to have the same dtype, but got float32 and float64".
void check_same_dtype(const char* op, const Tensor& a, const Tensor& b, const char* names = "both operands");

// PyTorch's type promotion (core/promotion.cpp): the dtype a binary element-wise op computes in.
// Operands rank by kind: tensors with dimensions, then 0-d tensors, then scalars (an integer scalar
// counts as int64, a floating one as the default float32). The highest-ranked kind present decides,
// except that a lower-ranked operand of a higher category (floating over integer) lifts the result to
// the promotion of both: int64 [3] with float64 0-d gives float64; float32 [3] with float64 0-d stays
// float32; int64 with 0.5 gives float32; float64 with 0.5 stays float64.
Dtype result_type(const Tensor& a, const Tensor& b);
Dtype result_type(const Tensor& a, const Scalar& b);

namespace autograd { struct Node; struct LeafHooks; class HookHandle; }
namespace indexing { class TensorIndex; }
class Tensor;

// Row-major strides of a contiguous `shape`, with PyTorch's rule for size-1 and size-0 dimensions
// (a dimension's stride is the product of the later sizes, each counted as at least 1).
Strides contiguous_strides(const Shape& shape);

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  // Empty when the strides are contiguous_strides(shape) (the common case, no allocation); else one
  // per dimension. Always set through set_layout, which keeps `contiguous` true to the strides.
  Strides strides;
  std::int64_t storage_offset = 0;
  bool contiguous = true;  // PyTorch's is_contiguous(): element i of the row-major order at offset i
  Dtype dtype = kFloat32;
  bool requires_grad = false;
  bool retains_grad = false;
  std::shared_ptr<TensorImpl> grad;
  std::shared_ptr<autograd::Node> grad_fn;  // the tape entry that produced this tensor; null for leaves
  std::shared_ptr<autograd::LeafHooks> hooks;  // a leaf's hooks (a non-leaf's live on its grad_fn)
  std::uint32_t output_nr = 0;  // which output of grad_fn this tensor is (multi-output entries)
  // Set on the outputs of unbind/split/chunk: one entry made them all, so an in-place write to one of
  // them cannot be recorded (PyTorch's CreationMeta::MULTI_OUTPUT_NODE); names the op for the message.
  const char* multi_output_view_of = nullptr;

  void set_layout(Shape sizes, Strides strides_, std::int64_t offset);
  void set_contiguous_layout(Shape sizes);  // row-major, offset 0
  // Copies shape, strides, offset and dtype from another impl (same storage or not).
  void copy_layout(const TensorImpl& other);
  Strides actual_strides() const { return strides.empty() ? contiguous_strides(shape) : strides; }
};

// zeros({2}, kFloat64), zeros({2}, TensorOptions(kFloat64).requires_grad(true)), or libtorch's
// shorthands zeros({2}, tg::requires_grad()) and zeros({2}, tg::dtype(kFloat64)).
// dtype() is float32 (the default dtype) unless one was set; has_dtype() tells which, as libtorch's,
// so tensor({1, 2}) can infer int64 while tensor({1, 2}, kFloat32) keeps the dtype asked for.
struct TensorOptions {
  TensorOptions() = default;
  TensorOptions(Dtype d) : dtype_(d) {}  // NOLINT: allows zeros({2}, kFloat64)
  TensorOptions& dtype(Dtype d) { dtype_ = d; return *this; }
  Dtype dtype() const noexcept { return dtype_.value_or(kFloat32); }
  bool has_dtype() const noexcept { return dtype_.has_value(); }
  TAPEGRAD_ARG(bool, requires_grad) = false;

 private:
  std::optional<Dtype> dtype_;
};
inline TensorOptions dtype(Dtype d) { return TensorOptions(d); }
inline TensorOptions requires_grad(bool r = true) { return TensorOptions().requires_grad(r); }

class Tensor {
 public:
  Tensor() noexcept : why_(Why::kNeverSet) {}  // undefined tensor (like an empty torch::Tensor)
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)), why_(Why::kNeverSet) {}
  Tensor(const Tensor&) = default;
  Tensor& operator=(const Tensor&) = default;
  // A moved-from handle is undefined and says so when used (a module used after std::move).
  Tensor(Tensor&& other) noexcept : impl_(std::move(other.impl_)), why_(other.why_) { other.why_ = Why::kMovedFrom; }
  Tensor& operator=(Tensor&& other) noexcept {
    impl_ = std::move(other.impl_);
    why_ = other.why_;
    if (&other != this) other.why_ = Why::kMovedFrom;
    return *this;
  }
  // Uninitialised storage of the given shape.
  static Tensor empty(const Shape& shape, TensorOptions options = {});

  bool defined() const { return impl_ != nullptr; }
  // Why an undefined tensor is undefined, as the end of an error message ("" when defined).
  std::string why_undefined() const;
  const Shape& shape() const;
  const Shape& sizes() const { return shape(); }
  std::int64_t size(std::int64_t dim) const;
  std::int64_t dim() const { return static_cast<std::int64_t>(shape().size()); }
  std::int64_t numel() const;
  Dtype dtype() const;
  bool is_floating_point() const { return tapegrad::is_floating_point(dtype()); }

  // Layout, as libtorch: strides in elements; is_contiguous() is PyTorch's rule (size-1 dims' strides
  // do not matter). contiguous() returns *this when it already is, else a row-major copy (recorded).
  Strides strides() const;
  std::int64_t stride(std::int64_t dim) const;
  std::int64_t storage_offset() const;
  bool is_contiguous() const;
  Tensor contiguous() const;
  // For code that reads data<T>(): *this when contiguous, else a row-major copy of the values that is
  // not recorded on the tape (libtorch's expect_contiguous; the op records the original tensor).
  Tensor expect_contiguous() const { return is_contiguous() ? *this : detach().contiguous(); }
  // Whether the elements cover their storage span exactly once, in some order (PyTorch's
  // is_non_overlapping_and_dense): such a tensor is read as a flat range of its span.
  bool is_non_overlapping_and_dense() const;

  // Raw element access for contiguous tensors (kernels): T must match dtype() and the tensor must be
  // contiguous (both checked; call contiguous() first). Points at the first element.
  template <class T> T* data();
  template <class T> const T* data() const;
  void* raw_data() const;
  // libtorch's data_ptr: the first element's address whatever the strides (stride-aware code only).
  template <class T> T* data_ptr() const;
  void* data_ptr() const;

  // The single value of a one-element tensor.
  double item() const;
  template <class T> T item() const;

  Tensor to(Dtype dtype) const;  // differentiable between float types; same dtype returns *this
  Tensor clone() const;          // differentiable deep copy
  Tensor detach() const;         // shares storage, no autograd history

  // Autograd.
  bool requires_grad() const;
  Tensor& requires_grad_(bool requires_grad = true);
  bool is_leaf() const;
  // Undefined until a backward pass reaches this tensor, and for a non-leaf without retain_grad(),
  // which warns on stderr as libtorch (once per call site). Using the undefined grad says which.
  Tensor grad() const;
  void set_grad(const Tensor& grad);
  // Replaces this tensor's values, shape and dtype with other's (sharing its storage), keeping
  // the handle and its requires_grad: PyTorch's `t.data = other`. Not recorded on the tape.
  void set_data(const Tensor& other);
  void zero_grad();                    // zeroes .grad in place when it exists (keeps the buffer)
  void retain_grad();                  // keep .grad on a non-leaf, as PyTorch's retain_grad
  std::string grad_fn_name() const;    // "" for leaves
  // As libtorch: retain_graph defaults to create_graph; create_graph records the backward so the
  // gradients can be differentiated again (core/autograd.hpp).
  void backward(const Tensor& gradient = {}, std::optional<bool> retain_graph = std::nullopt,
                bool create_graph = false) const;
  // hook(grad) runs when this tensor's gradient is computed and may return a replacement (an
  // undefined tensor keeps it). Order: README "Autograd engine". remove() on the handle unregisters.
  autograd::HookHandle register_hook(std::function<Tensor(const Tensor&)> hook) const;
  // Leaves only: hook(leaf) runs once the leaf's .grad holds everything this backward adds to it.
  autograd::HookHandle register_post_accumulate_grad_hook(std::function<void(const Tensor&)> hook) const;

  // In-place writes through these bump the version counter so saved values can be checked.
  void bump_version() const;
  // Every in-place op starts here: rejects the write when autograd tracks this tensor (grad mode on
  // and requires_grad: in-place ops are not recorded, so the gradient would silently be wrong), then
  // bumps the version.
  // Also refuses a tensor whose elements overlap (an expanded one: stride 0), unless the op writes one
  // value everywhere (fill_, as PyTorch).
  void begin_inplace(const char* op, bool allow_overlap = false) const;
  std::uint64_t version() const;

  // The ops of ops.hpp as members, for PyTorch-like chaining (core/tensor_methods.cpp).
  Tensor reshape(const Shape& shape) const;
  Tensor view(const Shape& shape) const;
  Tensor flatten(std::int64_t start_dim = 0, std::int64_t end_dim = -1) const;
  Tensor t() const;
  Tensor transpose(std::int64_t dim0, std::int64_t dim1) const;
  // Views (core/ops/view.cpp): the same storage through new sizes and strides.
  Tensor permute(const std::vector<std::int64_t>& dims) const;
  Tensor movedim(std::int64_t source, std::int64_t destination) const;
  Tensor unsqueeze(std::int64_t dim) const;
  Tensor squeeze() const;
  Tensor squeeze(std::int64_t dim) const;
  Tensor unflatten(std::int64_t dim, const Shape& sizes) const;
  Tensor expand(const Shape& size) const;
  Tensor expand_as(const Tensor& other) const;
  Tensor narrow(std::int64_t dim, std::int64_t start, std::int64_t length) const;
  Tensor select(std::int64_t dim, std::int64_t index) const;
  Tensor slice(std::int64_t dim, std::int64_t start, std::int64_t end, std::int64_t step = 1) const;
  Tensor diagonal(std::int64_t offset = 0, std::int64_t dim1 = 0, std::int64_t dim2 = 1) const;
  Tensor unfold(std::int64_t dim, std::int64_t size, std::int64_t step) const;
  Tensor as_strided(const Shape& size, const Strides& stride, std::optional<std::int64_t> storage_offset = std::nullopt) const;
  std::vector<Tensor> unbind(std::int64_t dim = 0) const;
  std::vector<Tensor> split(std::int64_t split_size, std::int64_t dim = 0) const;
  std::vector<Tensor> chunk(std::int64_t chunks, std::int64_t dim = 0) const;
  Tensor sum() const;
  Tensor sum(const std::vector<std::int64_t>& dims, bool keepdim = false) const;
  Tensor sum_to_size(const Shape& size) const;
  Tensor mean() const;
  Tensor mean(const std::vector<std::int64_t>& dims, bool keepdim = false) const;
  Tensor argmax(std::int64_t dim, bool keepdim = false) const;
  Tensor exp() const;
  Tensor log() const;
  Tensor relu() const;
  Tensor pow(const Scalar& exponent) const;
  Tensor matmul(const Tensor& other) const;
  // torch::indexing (core/indexing.hpp): x.index({Slice(0, 2), 1}), x.index_put_({None, idx}, 0.0).
  Tensor index(const std::vector<indexing::TensorIndex>& indices) const;
  Tensor& index_put_(const std::vector<indexing::TensorIndex>& indices, const Tensor& values);
  Tensor& index_put_(const std::vector<indexing::TensorIndex>& indices, double value);

  // Fills in place (not differentiable; bumps the version).
  Tensor& fill_(const Scalar& value);  // integers exactly into int64
  Tensor& zero_() { return fill_(0.0); }
  Tensor& copy_(const Tensor& src);  // same shape, any dtype

  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }

 private:
  // What why_undefined() tells: one byte beside the handle, set where an undefined tensor is made.
  enum class Why : std::uint8_t { kNeverSet, kMovedFrom, kGradNotRequired, kGradNotReached, kGradOfNonLeaf };
  explicit Tensor(Why why) : why_(why) {}
  TensorImpl& checked() const;
  std::shared_ptr<TensorImpl> impl_;
  Why why_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// ---- factories ----
Tensor empty(const Shape& shape, TensorOptions options = {});
Tensor zeros(const Shape& shape, TensorOptions options = {});
Tensor ones(const Shape& shape, TensorOptions options = {});
Tensor full(const Shape& shape, const Scalar& value, TensorOptions options = {});
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, const Scalar& value);
Tensor empty_like(const Tensor& t);
Tensor scalar_tensor(const Scalar& value, TensorOptions options = {});  // 0-d
Tensor arange(double end, TensorOptions options = kInt64);
Tensor arange(double start, double end, double step = 1, TensorOptions options = kInt64);

// Values written as nested braces, any depth: 2.5, {1, 2, 3}, {{1}, {2}}, {{{1, 2}}, {{3, 4}}}.
// (libtorch's TensorDataContainer idea: one recursive type instead of one overload per rank,
// which would make column vectors like {{1}, {2}} ambiguous.) Each leaf remembers whether it was
// written as an integer (int, long, bool...) or a floating-point number (double, float).
class NestedValues {
 public:
  template <class T>
    requires std::is_arithmetic_v<T>
  NestedValues(T value) : NestedValues(Scalar(value)) {}  // NOLINT: implicit, so plain numbers nest
  NestedValues(std::initializer_list<NestedValues> items);
  const Shape& shape() const { return shape_; }
  const std::vector<double>& values() const { return values_; }
  // True when every leaf was an integer literal (an empty list is not: torch.tensor([]) is float32);
  // integer_values() then holds them exactly (values() rounds beyond 2^53).
  bool is_integral() const { return integral_; }
  const std::vector<std::int64_t>& integer_values() const { return integers_; }

 private:
  Shape shape_;
  std::vector<double> values_;
  std::vector<std::int64_t> integers_;  // filled only while every leaf is an integer
  bool integral_ = false;

  explicit NestedValues(const Scalar& leaf)  // a Scalar knows int vs floating and checks int64's range
      : values_{leaf.to_double()}, integral_(leaf.is_integral()) {
    if (integral_) integers_ = {leaf.to<std::int64_t>()};
  }
};

// From nested values, or a flat vector with a shape. Without a dtype in the options, as
// torch::tensor: int64 when every leaf is an integer ({0, 1, 2}), else float32 ({1, 2.5}, {1., 2.});
// a dtype given in the options always wins.
Tensor tensor(const NestedValues& values, TensorOptions options = {});
Tensor from_vector(const std::vector<float>& values, const Shape& shape, TensorOptions options = kFloat32);
Tensor from_vector(const std::vector<double>& values, const Shape& shape, TensorOptions options = kFloat64);
Tensor from_vector(const std::vector<std::int64_t>& values, const Shape& shape, TensorOptions options = kInt64);
Tensor from_blob_copy(const void* data, Dtype source_dtype, const Shape& shape, TensorOptions options);
template <class T> std::vector<T> to_vector(const Tensor& t);  // values converted to T

// ---- explicit instantiations live in tensor.cpp ----
// Element access for the storage type of every row of the dtype table (what dispatch hands out).
#define TAPEGRAD_TENSOR_DATA(e, T, ...)         \
  extern template T* Tensor::data<T>();         \
  extern template const T* Tensor::data<T>() const; \
  extern template T* Tensor::data_ptr<T>() const;
TAPEGRAD_FORALL_DTYPES(TAPEGRAD_TENSOR_DATA)
#undef TAPEGRAD_TENSOR_DATA
extern template float Tensor::item<float>() const;
extern template double Tensor::item<double>() const;
extern template std::int64_t Tensor::item<std::int64_t>() const;
extern template std::vector<float> to_vector<float>(const Tensor&);
extern template std::vector<double> to_vector<double>(const Tensor&);
extern template std::vector<std::int64_t> to_vector<std::int64_t>(const Tensor&);

}  // namespace tapegrad
