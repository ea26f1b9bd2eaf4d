// The softmax-family kernels every caller uses: each forwards to the table of the instruction set
// chosen at run time (cpu_capabilities().active), looked up once.
#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>

#include "softmax.hpp"

namespace tapegrad::kernels {

namespace {

template <class T> SoftmaxKernels<T> table_of(Isa isa) {
  switch (isa) {
#if defined(TAPEGRAD_ISA_BUILT_SSE2)
    case Isa::sse2: return sse2::softmax_table<T>();
#endif
#if defined(TAPEGRAD_ISA_BUILT_AVX2)
    case Isa::avx2: return avx2::softmax_table<T>();
#endif
#if defined(TAPEGRAD_ISA_BUILT_AVX512)
    case Isa::avx512: return avx512::softmax_table<T>();
#endif
    default: return scalar::softmax_table<T>();  // the sets this build lacks are never asked for
  }
}

template <class T> const SoftmaxKernels<T>& active() {
  static const SoftmaxKernels<T>& table = softmax_kernels<T>(cpu_capabilities().active);
  return table;
}

}  // namespace

template <class T> const SoftmaxKernels<T>& softmax_kernels(Isa isa) {
  static const std::array<SoftmaxKernels<T>, 4> tables{table_of<T>(Isa::scalar), table_of<T>(Isa::sse2),
                                                       table_of<T>(Isa::avx2), table_of<T>(Isa::avx512)};
  const auto& available = cpu_capabilities().available;
  if (std::find(available.begin(), available.end(), isa) == available.end())
    throw std::invalid_argument(std::string("softmax_kernels: this CPU or build does not run ") + isa_name(isa) +
                                " kernels");
  return tables[static_cast<std::size_t>(isa)];
}
template const SoftmaxKernels<float>& softmax_kernels<float>(Isa);
template const SoftmaxKernels<double>& softmax_kernels<double>(Isa);

template <class T> void exp_values(const T* x, T* y, std::int64_t n) { active<T>().exp_values(x, y, n); }
template <class T> void softmax_rows(const T* x, T* y, std::int64_t rows, std::int64_t cols) {
  active<T>().softmax_rows(x, y, rows, cols);
}
template <class T> void log_softmax_rows(const T* x, T* y, std::int64_t rows, std::int64_t cols) {
  active<T>().log_softmax_rows(x, y, rows, cols);
}
template <class T> void logsumexp_rows(const T* x, T* out, std::int64_t rows, std::int64_t cols) {
  active<T>().logsumexp_rows(x, out, rows, cols);
}
template <class T> void softmax_backward_rows(const T* y, const T* g, T* dx, std::int64_t rows, std::int64_t cols) {
  active<T>().softmax_backward_rows(y, g, dx, rows, cols);
}
template <class T> void log_softmax_backward_rows(const T* y, const T* g, T* dx, std::int64_t rows, std::int64_t cols) {
  active<T>().log_softmax_backward_rows(y, g, dx, rows, cols);
}
template <class T>
void cross_entropy_forward_rows(const T* x, T* loss, T* lse, std::int64_t rows, std::int64_t cols,
                                const RowTargets<T>& args) {
  active<T>().cross_entropy_forward_rows(x, loss, lse, rows, cols, args);
}
template <class T>
void cross_entropy_backward_rows(const T* x, const T* lse, const T* grad, T* dx, std::int64_t rows, std::int64_t cols,
                                 const RowTargets<T>& args) {
  active<T>().cross_entropy_backward_rows(x, lse, grad, dx, rows, cols, args);
}
template <class T> void softmax_strided(const T* x, T* y, std::int64_t outer, std::int64_t len, std::int64_t inner) {
  active<T>().softmax_strided(x, y, outer, len, inner);
}
template <class T> void log_softmax_strided(const T* x, T* y, std::int64_t outer, std::int64_t len, std::int64_t inner) {
  active<T>().log_softmax_strided(x, y, outer, len, inner);
}
template <class T> void logsumexp_strided(const T* x, T* out, std::int64_t outer, std::int64_t len, std::int64_t inner) {
  active<T>().logsumexp_strided(x, out, outer, len, inner);
}
template <class T>
void softmax_backward_strided(const T* y, const T* g, T* dx, std::int64_t outer, std::int64_t len, std::int64_t inner) {
  active<T>().softmax_backward_strided(y, g, dx, outer, len, inner);
}
template <class T>
void log_softmax_backward_strided(const T* y, const T* g, T* dx, std::int64_t outer, std::int64_t len,
                                  std::int64_t inner) {
  active<T>().log_softmax_backward_strided(y, g, dx, outer, len, inner);
}

#include "softmax_instantiate.inc"

}  // namespace tapegrad::kernels
