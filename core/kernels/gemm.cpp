// float32: oneDNN, which picks its kernels from the CPU's feature flags at run time: its sgemm, and for
// products that run on several threads its matmul primitive where that has a brgemm kernel (AVX-512,
// dense operands). On the seed network's 14 training GEMMs the primitive takes a median 7 % less time
// than sgemm on two threads (10 paired runs: 14 % less to 2 % more), the same on one (bench_gemm's
// gemm/step vs sgemm/step, bench/README.md). Without AVX-512 oneDNN 2.6 builds the
// primitive on the same sgemm (1-2 % slower through the extra layer), and for layouts no kernel takes
// on a reference loop, so sgemm is called directly then.
// float64 (gradient checks, small problems): a plain reference loop.
#include "gemm.hpp"

#include "../threads.hpp"

#include <oneapi/dnnl/dnnl.hpp>
#include <omp.h>

#include <array>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>

namespace tapegrad::kernels {

namespace {

// Products smaller than this many multiply-adds run on one thread. Measured on the seed network's
// shapes (2 cores): from 64x256x512 up a second thread gives 1.3-1.8x; at 64x64x128 it gives
// nothing, and 64x10x64 runs 45% slower — the fork/join costs more than the work it splits.
constexpr std::int64_t kParallelMinMacs = std::int64_t{1} << 20;

// Runs one call with `threads` OpenMP threads, restoring the calling thread's setting after.
class ThreadLimit {
 public:
  explicit ThreadLimit(int threads) : previous_(omp_get_max_threads()), changed_(threads != previous_) {
    if (changed_) omp_set_num_threads(threads);
  }
  ~ThreadLimit() {
    if (changed_) omp_set_num_threads(previous_);
  }
  ThreadLimit(const ThreadLimit&) = delete;
  ThreadLimit& operator=(const ThreadLimit&) = delete;

 private:
  int previous_;
  bool changed_;
};

// Everything a matmul primitive is built for: the shapes, the strides, the scalars and the threads it
// splits the work for (oneDNN fixes the split when it creates the primitive).
struct MatmulKey {
  bool trans_a, trans_b;
  std::int64_t m, n, k, lda, ldb, ldc;
  float alpha, beta;
  int threads;
  bool operator==(const MatmulKey& o) const {
    return std::tie(trans_a, trans_b, m, n, k, lda, ldb, ldc, alpha, beta, threads) ==
           std::tie(o.trans_a, o.trans_b, o.m, o.n, o.k, o.lda, o.ldb, o.ldc, o.alpha, o.beta, o.threads);
  }
};

struct MatmulKeyHash {
  std::size_t operator()(const MatmulKey& key) const {
    std::size_t h = static_cast<std::size_t>(key.trans_a) * 2 + static_cast<std::size_t>(key.trans_b);
    for (const std::int64_t v : {key.m, key.n, key.k, key.lda, key.ldb, key.ldc, std::int64_t{key.threads}})
      h = h * 1000003u ^ std::hash<std::int64_t>{}(v);
    return h ^ std::hash<float>{}(key.alpha) * 31u ^ std::hash<float>{}(key.beta);
  }
};

const dnnl::engine& cpu_engine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// A row-major rows x cols operand, or the transpose of one stored with leading dimension ld.
dnnl::memory::desc operand(std::int64_t rows, std::int64_t cols, bool transposed, std::int64_t ld) {
  const dnnl::memory::dims strides = transposed ? dnnl::memory::dims{1, ld} : dnnl::memory::dims{ld, 1};
  return dnnl::memory::desc({rows, cols}, dnnl::memory::data_type::f32, strides);
}

// A primitive with its three operands' memory objects, whose data pointers are set on each call.
struct Matmul {
  dnnl::memory a, b, c;
  dnnl::matmul primitive;
  std::array<dnnl_exec_arg_t, 3> args;  // for the C API's execute, which needs no map built per call
  bool brgemm = false;  // oneDNN runs it with a brgemm kernel; otherwise ("gemm:jit" wrapping sgemm without AVX-512,
                // "ref:any" for layouts no kernel takes) sgemm is called instead
  explicit Matmul(const MatmulKey& key);
};

Matmul::Matmul(const MatmulKey& key)
    : a(operand(key.m, key.k, key.trans_a, key.lda), cpu_engine(), DNNL_MEMORY_NONE),
      b(operand(key.k, key.n, key.trans_b, key.ldb), cpu_engine(), DNNL_MEMORY_NONE),
      c(operand(key.m, key.n, false, key.ldc), cpu_engine(), DNNL_MEMORY_NONE) {
  dnnl::primitive_attr attr;
  if (key.alpha != 1.0f) attr.set_output_scales(0, {key.alpha});
  if (key.beta != 0.0f) {  // C = alpha·AB + beta·C; with beta 0, C is never read (NaN in it stays out)
    dnnl::post_ops ops;
    ops.append_sum(key.beta);
    attr.set_post_ops(ops);
  }
  try {
    const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a.get_desc(), b.get_desc(), c.get_desc()), attr,
                                          cpu_engine());
    brgemm = std::string_view(pd.impl_info_str()).starts_with("brg");
    if (brgemm) primitive = dnnl::matmul(pd);
  } catch (const dnnl::error&) {  // a product oneDNN's matmul does not take: sgemm runs it
    brgemm = false;
  }
  args = {{{DNNL_ARG_SRC, a.get()}, {DNNL_ARG_WEIGHTS, b.get()}, {DNNL_ARG_DST, c.get()}}};
}

// The primitive of a multi-threaded product, or null: sgemm then runs it. On one thread brgemm and
// sgemm run at the same speed, and sgemm needs no primitive. The choice depends on the product alone,
// never on what ran before, so a run's results do not depend on its history (bit-exact resume). A
// new product costs ~0.6 ms to build its primitive (64x512x784, 2 threads), about what two calls
// save; each thread keeps the primitives of the products it ran, and oneDNN's own primitive cache
// makes rebuilding one after `kMaxKept` cheaper.
Matmul* multi_threaded_matmul(const MatmulKey& key) {
  constexpr std::size_t kMaxKept = 256;  // then the thread's map starts over
  if (key.threads == 1) return nullptr;
  thread_local std::unordered_map<MatmulKey, Matmul, MatmulKeyHash> kept;
  auto it = kept.find(key);
  if (it == kept.end()) {
    if (kept.size() >= kMaxKept) kept.clear();
    it = kept.try_emplace(key, key).first;
  }
  return it->second.brgemm ? &it->second : nullptr;
}

}  // namespace

void gemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const float* a,
          std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c, std::int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0 || alpha == 0) {  // no product to add (BLAS: A and B are not read): C = beta * C
    for (std::int64_t i = 0; i < m; ++i)
      for (std::int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == 0 ? 0.0f : beta * c[i * ldc + j];
    return;
  }
  // Inside a parallel region (the convolutions run one product per sample and thread) oneDNN runs on
  // the calling thread alone.
  const int threads = omp_in_parallel() || m * n * k < kParallelMinMacs ? 1 : get_num_threads();
  const detail::FixedThreadCount fixed;  // oneDNN computes only the parts of the threads it gets
  const ThreadLimit limit(threads);
  if (Matmul* matmul = multi_threaded_matmul({trans_a, trans_b, m, n, k, lda, ldb, ldc, alpha, beta, threads})) {
    // oneDNN's memory objects take non-const handles; it only reads A and B.
    matmul->a.set_data_handle(const_cast<float*>(a));
    matmul->b.set_data_handle(const_cast<float*>(b));
    matmul->c.set_data_handle(c);
    thread_local dnnl::stream stream(cpu_engine());
    const dnnl_status_t status = dnnl_primitive_execute(matmul->primitive.get(), stream.get(),
                                                        static_cast<int>(matmul->args.size()), matmul->args.data());
    if (status != dnnl_success) throw std::runtime_error("oneDNN matmul failed with status " + std::to_string(status));
    return;
  }
  const dnnl_status_t status = dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb,
                                          beta, c, ldc);
  if (status != dnnl_success) throw std::runtime_error("dnnl_sgemm failed with status " + std::to_string(status));
}

void gemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, double alpha, const double* a,
          std::int64_t lda, const double* b, std::int64_t ldb, double beta, double* c, std::int64_t ldc) {
  for (std::int64_t i = 0; i < m; ++i) {
    double* crow = c + i * ldc;
    for (std::int64_t j = 0; j < n; ++j) crow[j] = beta == 0 ? 0.0 : beta * crow[j];
    for (std::int64_t p = 0; p < k; ++p) {
      const double aip = alpha * (trans_a ? a[p * lda + i] : a[i * lda + p]);
      if (trans_b) {
        for (std::int64_t j = 0; j < n; ++j) crow[j] += aip * b[j * ldb + p];
      } else {
        const double* brow = b + p * ldb;
        for (std::int64_t j = 0; j < n; ++j) crow[j] += aip * brow[j];
      }
    }
  }
}

const char* gemm_backend() {
  static const std::string name = [] {
    const ThreadLimit two(2);  // oneDNN splits the work for the threads set when it builds a primitive
    const Matmul probe({false, true, 64, 512, 784, 784, 784, 512, 1.0f, 0.0f, 2});  // a seed-network product
    return std::string(probe.brgemm ? "oneDNN sgemm, brgemm matmul for multi-threaded products" : "oneDNN sgemm") +
           " (float32), reference loop (float64)";
  }();
  return name.c_str();
}

}  // namespace tapegrad::kernels
