#include "tensor.hpp"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <unordered_set>

#include "autograd.hpp"
#include "ops.hpp"

namespace tapegrad {

std::string shape_str(const Shape& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::int64_t shape_numel(const Shape& shape) {
  // The product of the non-zero sizes must fit too: strides are computed from it even when another
  // dimension is 0.
  std::int64_t nonzero = 1;
  bool empty = false;
  for (auto d : shape) {
    if (d < 0) throw std::invalid_argument("negative dimension in shape " + shape_str(shape));
    if (d == 0) empty = true;
    else if (__builtin_mul_overflow(nonzero, d, &nonzero))
      throw std::invalid_argument("shape " + shape_str(shape) + " has more elements than fit in 64 bits");
  }
  return empty ? 0 : nonzero;
}

std::int64_t wrap_dim(std::int64_t dim, std::int64_t ndim) {
  const std::int64_t lo = ndim == 0 ? -1 : -ndim, hi = ndim == 0 ? 0 : ndim - 1;
  if (dim < lo || dim > hi)
    throw std::out_of_range("Dimension out of range (expected to be in range of [" + std::to_string(lo) + ", " +
                            std::to_string(hi) + "], but got " + std::to_string(dim) + ")");
  return dim < 0 ? dim + std::max<std::int64_t>(ndim, 1) : dim;
}

bool is_expandable_to(const Shape& shape, const Shape& desired) {
  if (shape.size() > desired.size()) return false;
  const std::size_t lead = desired.size() - shape.size();
  for (std::size_t i = 0; i < shape.size(); ++i)
    if (shape[i] != 1 && shape[i] != desired[lead + i]) return false;
  return true;
}

Strides contiguous_strides(const Shape& shape) {
  Strides s(shape.size());
  std::int64_t step = 1;
  for (std::size_t i = shape.size(); i-- > 0;) {
    s[i] = step;
    step *= std::max<std::int64_t>(shape[i], 1);
  }
  return s;
}

namespace {
// PyTorch's compute_contiguous: strides of size-1 dimensions are ignored; an empty tensor is contiguous.
bool strides_are_contiguous(const Shape& shape, const Strides& strides) {
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) return true;
  std::int64_t expected = 1;
  for (std::size_t i = shape.size(); i-- > 0;) {
    if (shape[i] == 1) continue;
    if (strides[i] != expected) return false;
    expected *= shape[i];
  }
  return true;
}
}  // namespace

void TensorImpl::set_layout(Shape sizes, Strides strides_, std::int64_t offset) {
  contiguous = strides_are_contiguous(sizes, strides_);
  strides = strides_ == contiguous_strides(sizes) ? Strides{} : std::move(strides_);
  shape = std::move(sizes);
  storage_offset = offset;
}
void TensorImpl::set_contiguous_layout(Shape sizes) {
  shape = std::move(sizes);
  strides.clear();
  storage_offset = 0;
  contiguous = true;
}
void TensorImpl::copy_layout(const TensorImpl& other) {
  shape = other.shape;
  strides = other.strides;
  storage_offset = other.storage_offset;
  contiguous = other.contiguous;
  dtype = other.dtype;
}

namespace {
// libtorch's warning, on stderr, once per call site (the return address into the caller of grad()),
// as Python shows a warning once per line: a loop reading it stays readable.
void warn_grad_of_non_leaf(const void* call_site) {
  static std::mutex mutex;
  static std::unordered_set<const void*> warned;
  const std::lock_guard<std::mutex> lock(mutex);
  if (!warned.insert(call_site).second) return;
  std::cerr << "Warning: The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
               "attribute won't be populated during backward(). If you indeed want the .grad field to be populated "
               "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor "
               "by mistake, make sure you access the leaf Tensor instead.\n";
}
}  // namespace

Tensor Tensor::empty(const Shape& shape, TensorOptions options) {
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = shape;
  impl->dtype = options.dtype();
  std::int64_t bytes = 0;
  if (__builtin_mul_overflow(shape_numel(shape), static_cast<std::int64_t>(element_size(options.dtype())), &bytes))
    throw std::invalid_argument("a " + std::string(dtype_name(options.dtype())) + " tensor of shape " +
                                shape_str(shape) + " would need more than 2^63 bytes");
  try {
    impl->storage = std::make_shared<Storage>(static_cast<std::size_t>(bytes));
  } catch (const std::bad_alloc&) {
    throw std::runtime_error("not enough memory: you tried to allocate " + std::to_string(bytes) + " bytes (a " +
                             dtype_name(options.dtype()) + " tensor of shape " + shape_str(shape) + ")");
  }
  Tensor t(std::move(impl));
  if (options.requires_grad()) t.requires_grad_(true);
  return t;
}

TensorImpl& Tensor::checked() const {
  if (!impl_) throw std::invalid_argument("operation on an undefined tensor: " + why_undefined());
  return *impl_;
}
std::string Tensor::why_undefined() const {
  if (impl_) return "";
  switch (why_) {
    case Why::kMovedFrom:
      return "it was moved from (std::move), and its value lives on in the handle it was moved to; a module "
             "moved into a container or another module leaves its parameters so: use the moved-to module";
    case Why::kGradNotRequired:
      return "it is the .grad() of a tensor that does not require grad, which backward never computes; call "
             "requires_grad_() on that tensor before the forward pass";
    case Why::kGradNotReached:
      return "it is the .grad() of a tensor no backward pass has reached: backward() has not run since the "
             "tensor was made or since zero_grad() reset its gradient, or the loss does not depend on it";
    case Why::kGradOfNonLeaf:
      return "it is the .grad() of a non-leaf tensor (an op's result), which backward does not keep; call "
             "retain_grad() on it before backward(), or read the .grad() of the leaf you meant";
    case Why::kNeverSet: break;
  }
  return "it holds no tensor (a default-constructed Tensor, or an optional one that was not given)";
}
const Shape& Tensor::shape() const { return checked().shape; }
std::int64_t Tensor::size(std::int64_t d) const { return shape()[wrap_dim(d, dim())]; }
std::int64_t Tensor::numel() const { return shape_numel(shape()); }
Dtype Tensor::dtype() const { return checked().dtype; }
Strides Tensor::strides() const { return checked().actual_strides(); }
std::int64_t Tensor::stride(std::int64_t d) const {
  d = wrap_dim(d, dim());
  return impl_->strides.empty() ? contiguous_strides(impl_->shape)[static_cast<std::size_t>(d)]
                                : impl_->strides[static_cast<std::size_t>(d)];
}
std::int64_t Tensor::storage_offset() const { return checked().storage_offset; }
bool Tensor::is_contiguous() const { return checked().contiguous; }
bool Tensor::is_non_overlapping_and_dense() const {
  if (is_contiguous()) return true;
  // Sorted by stride, each dimension must step over exactly the elements of the faster ones.
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < impl_->shape.size(); ++i)
    if (impl_->shape[i] != 1) order.push_back(i);
  const Strides& st = impl_->strides;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return st[a] < st[b]; });
  std::int64_t expected = 1;
  for (std::size_t i : order) {
    if (st[i] != expected) return false;
    expected *= impl_->shape[i];
  }
  return true;
}
void* Tensor::data_ptr() const {
  const TensorImpl& t = checked();
  return static_cast<std::byte*>(t.storage->data) + t.storage_offset * static_cast<std::int64_t>(element_size(t.dtype));
}
template <class T> T* Tensor::data_ptr() const {
  if (dtype() != dtype_of<T>)
    throw std::invalid_argument(std::string("data_ptr<") + dtype_name(dtype_of<T>) + ">() called on a " +
                                dtype_name(dtype()) + " tensor");
  return static_cast<T*>(data_ptr());
}

void* Tensor::raw_data() const {
  if (!checked().contiguous)
    throw std::logic_error("raw element access to a non-contiguous tensor of shape " + shape_str(impl_->shape) +
                           " and strides " + shape_str(impl_->strides) + ": call contiguous() first");
  return data_ptr();
}

template <class T> T* Tensor::data() {
  if (dtype() != dtype_of<T>)
    throw std::invalid_argument(std::string("data<") + dtype_name(dtype_of<T>) + ">() called on a " +
                                dtype_name(dtype()) + " tensor");
  return static_cast<T*>(raw_data());
}
template <class T> const T* Tensor::data() const { return const_cast<Tensor*>(this)->data<T>(); }
#define TAPEGRAD_TENSOR_DATA(e, T, ...) \
  template T* Tensor::data<T>();        \
  template const T* Tensor::data<T>() const; \
  template T* Tensor::data_ptr<T>() const;
TAPEGRAD_FORALL_DTYPES(TAPEGRAD_TENSOR_DATA)
#undef TAPEGRAD_TENSOR_DATA

template <class T> T Tensor::item() const {
  if (numel() != 1)
    throw std::invalid_argument("a Tensor with " + std::to_string(numel()) +
                                " elements cannot be converted to Scalar");
  return dispatch(dtype(), [&](auto tag) { return static_cast<T>(*static_cast<const decltype(tag)*>(data_ptr())); });
}
template float Tensor::item<float>() const;
template double Tensor::item<double>() const;
template std::int64_t Tensor::item<std::int64_t>() const;
double Tensor::item() const { return item<double>(); }

Tensor Tensor::detach() const {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = checked().storage;
  impl->copy_layout(*impl_);
  return Tensor(std::move(impl));
}

bool Tensor::requires_grad() const { return checked().requires_grad; }
Tensor& Tensor::requires_grad_(bool r) {
  if (r && !is_floating_point())
    throw std::invalid_argument("only Tensors of floating point dtype can require gradients (got " +
                                std::string(dtype_name(dtype())) + ")");
  if (!r && checked().grad_fn)
    throw std::invalid_argument(
        "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a "
        "subgraph that doesn't require differentiation use var_no_grad = var.detach().");
  checked().requires_grad = r;
  return *this;
}
bool Tensor::is_leaf() const { return checked().grad_fn == nullptr; }
Tensor Tensor::grad() const {
  const TensorImpl& self = checked();
  if (self.grad) return Tensor(self.grad);
  if (self.grad_fn && !self.retains_grad) {
    warn_grad_of_non_leaf(__builtin_return_address(0));
    return Tensor(Why::kGradOfNonLeaf);
  }
  return Tensor(self.requires_grad ? Why::kGradNotReached : Why::kGradNotRequired);
}
void Tensor::set_grad(const Tensor& g) {
  if (g.defined() && (g.shape() != shape() || g.dtype() != dtype()))
    throw std::invalid_argument("assigned grad has shape " + shape_str(g.shape()) + " and dtype " +
                                dtype_name(g.dtype()) + " but the tensor has shape " + shape_str(shape()) +
                                " and dtype " + dtype_name(dtype()));
  checked().grad = g.impl_ptr();
}
void Tensor::set_data(const Tensor& other) {
  if (!is_leaf()) throw std::runtime_error("set_data: only leaf tensors can have their data replaced");
  if (requires_grad()) check_floating(other.dtype(), "set_data");
  checked().storage = other.impl()->storage;
  impl_->copy_layout(*other.impl());
}
void Tensor::zero_grad() {
  if (checked().grad) Tensor(impl_->grad).zero_();
}
void Tensor::retain_grad() {
  if (!requires_grad()) throw std::runtime_error("can't retain_grad on a tensor that does not require grad (requires_grad() is false)");
  checked().retains_grad = true;
}
std::string Tensor::grad_fn_name() const { return checked().grad_fn ? impl_->grad_fn->name() : std::string(); }
void Tensor::backward(const Tensor& gradient, std::optional<bool> retain_graph, bool create_graph) const {
  autograd::backward(*this, gradient, retain_graph, create_graph);
}
void Tensor::bump_version() const { ++checked().storage->version; }
void Tensor::begin_inplace(const char* op, bool allow_overlap) const {
  for (std::size_t i = 0; i < checked().strides.size() && !allow_overlap; ++i)
    if (impl_->strides[i] == 0 && impl_->shape[i] > 1)
      throw std::invalid_argument(std::string(op) +
                                  ": unsupported operation: more than one element of the written-to tensor refers to a "
                                  "single memory location. Please clone() the tensor before performing the operation.");
  if (GradMode::is_enabled() && requires_grad() && impl_->multi_output_view_of)
    throw std::runtime_error("Output " + std::to_string(impl_->output_nr) + " of " +
                             autograd::backward_name(impl_->multi_output_view_of) +
                             " is a view and is being modified inplace. This view is the output of a function that "
                             "returns multiple views. Such functions do not allow the output views to be modified "
                             "inplace. You should replace the inplace operation by an out-of-place one.");
  if (GradMode::is_enabled() && requires_grad()) {
    if (is_leaf())
      throw std::runtime_error(std::string(op) +
                             ": a leaf tensor that requires grad is being used in an in-place operation "
                                   "(write under NoGradGuard, as optimizers do)");
    throw std::runtime_error(std::string(op) +
                           ": in-place operations on a tensor that requires grad are not recorded on the tape, so "
                           "its gradient would be wrong; compute out of place, or write under NoGradGuard");
  }
  bump_version();
}
std::uint64_t Tensor::version() const { return checked().storage->version; }

// ---- factories ----
Tensor empty(const Shape& shape, TensorOptions options) { return Tensor::empty(shape, options); }
Tensor full(const Shape& shape, const Scalar& value, TensorOptions options) {
  const bool rg = options.requires_grad();
  Tensor t = Tensor::empty(shape, options.requires_grad(false));
  t.fill_(value);
  if (rg) t.requires_grad_(true);
  return t;
}
Tensor zeros(const Shape& shape, TensorOptions options) { return full(shape, 0.0, options); }
Tensor ones(const Shape& shape, TensorOptions options) { return full(shape, 1.0, options); }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype()); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), t.dtype()); }
Tensor full_like(const Tensor& t, const Scalar& value) { return full(t.shape(), value, t.dtype()); }
Tensor empty_like(const Tensor& t) { return empty(t.shape(), t.dtype()); }
Tensor scalar_tensor(const Scalar& value, TensorOptions options) { return full({}, value, options); }

Tensor arange(double end, TensorOptions options) { return arange(0, end, 1, options); }
Tensor arange(double start, double end, double step, TensorOptions options) {
  if (step == 0) throw std::invalid_argument("arange: step must be nonzero");
  if ((end - start) * step < 0)
    throw std::invalid_argument("arange: upper bound and larger bound inconsistent with step sign (start " +
                                std::to_string(start) + ", end " + std::to_string(end) + ", step " +
                                std::to_string(step) + ")");
  if (!is_floating_point(options.dtype()) &&
      (start != std::floor(start) || step != std::floor(step)))
    throw std::invalid_argument("arange: a fractional start or step needs a floating dtype, not int64 "
                                "(pass kFloat32 or kFloat64 as the options)");
  const double count = std::ceil((end - start) / step);
  if (!(count < 0x1p62))  // also catches NaN and inf
    throw std::invalid_argument("arange: cannot make " + std::to_string(count) + " elements");
  const auto n = static_cast<std::int64_t>(std::max(0.0, count));
  Tensor t = empty({n}, options.dtype());
  dispatch(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (std::int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(start + static_cast<double>(i) * step);
  });
  if (options.requires_grad()) t.requires_grad_(true);
  return t;
}

Tensor from_blob_copy(const void* data, Dtype source_dtype, const Shape& shape, TensorOptions options) {
  const bool rg = options.requires_grad();
  Tensor t = Tensor::empty(shape, options.requires_grad(false));
  dispatch(t.dtype(), [&](auto dst_tag) {
    using D = decltype(dst_tag);
    D* d = t.data<D>();
    dispatch(source_dtype, [&](auto src_tag) {
      using S = decltype(src_tag);
      const S* s = static_cast<const S*>(data);
      for (std::int64_t i = 0, n = t.numel(); i < n; ++i) d[i] = static_cast<D>(s[i]);
    });
  });
  if (rg) t.requires_grad_(true);
  return t;
}

namespace {
template <class T>
Tensor from_values(const std::vector<T>& values, const Shape& shape, TensorOptions options) {
  if (static_cast<std::int64_t>(values.size()) != shape_numel(shape))
    throw std::invalid_argument("from_vector: " + std::to_string(values.size()) +
                                " values cannot fill a tensor of shape " + shape_str(shape));
  return from_blob_copy(values.data(), dtype_of<T>, shape, options);
}
}  // namespace

Tensor from_vector(const std::vector<float>& v, const Shape& s, TensorOptions o) { return from_values(v, s, o); }
Tensor from_vector(const std::vector<double>& v, const Shape& s, TensorOptions o) { return from_values(v, s, o); }
Tensor from_vector(const std::vector<std::int64_t>& v, const Shape& s, TensorOptions o) {
  return from_values(v, s, o);
}

NestedValues::NestedValues(std::initializer_list<NestedValues> items) {
  if (items.size() == 0) {
    shape_ = {0};
    return;
  }
  const Shape& inner = items.begin()->shape_;
  integral_ = true;
  for (const auto& item : items) {
    if (item.shape_ != inner)
      throw std::invalid_argument("tensor: nested lists have different shapes (" + shape_str(inner) + " and " +
                                  shape_str(item.shape_) + ")");
    values_.insert(values_.end(), item.values_.begin(), item.values_.end());
    integral_ = integral_ && item.integral_;
    if (integral_) integers_.insert(integers_.end(), item.integers_.begin(), item.integers_.end());
  }
  if (!integral_) integers_.clear();
  shape_ = {static_cast<std::int64_t>(items.size())};
  shape_.insert(shape_.end(), inner.begin(), inner.end());
}

Tensor tensor(const NestedValues& values, TensorOptions options) {
  if (values.is_integral() && (!options.has_dtype() || options.dtype() == kInt64))
    return from_values(values.integer_values(), values.shape(), options.dtype(kInt64));
  return from_values(values.values(), values.shape(), options);
}

template <class T> std::vector<T> to_vector(const Tensor& t0) {
  const Tensor t = t0.detach().contiguous();  // row-major order whatever the layout
  std::vector<T> out(static_cast<std::size_t>(t.numel()));
  dispatch(t.dtype(), [&](auto tag) {
    using S = decltype(tag);
    const S* s = t.data<S>();
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<T>(s[i]);
  });
  return out;
}
template std::vector<float> to_vector<float>(const Tensor&);
template std::vector<double> to_vector<double>(const Tensor&);
template std::vector<std::int64_t> to_vector<std::int64_t>(const Tensor&);

}  // namespace tapegrad
