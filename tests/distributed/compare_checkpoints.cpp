// compare_checkpoints A B REL_TOL: passes (exit 0) when both safetensors files hold the same tensor
// names and shapes and every tensor agrees within REL_TOL relative to its largest magnitude; prints
// the worst tensor either way.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include <tapegrad/core/io/safetensors.hpp>

namespace tg = tapegrad;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: compare_checkpoints A.safetensors B.safetensors REL_TOL\n");
    return 2;
  }
  const auto a = tg::io::read_safetensors(argv[1]).tensors, b = tg::io::read_safetensors(argv[2]).tensors;
  const double tolerance = std::stod(argv[3]);
  if (a.size() != b.size()) {
    std::printf("different tensor counts: %zu and %zu\n", a.size(), b.size());
    return 1;
  }
  double worst = 0;
  std::string worst_name;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].first != b[i].first || a[i].second.shape() != b[i].second.shape()) {
      std::printf("tensor %zu differs: %s %s vs %s %s\n", i, a[i].first.c_str(), tg::shape_str(a[i].second.shape()).c_str(),
                  b[i].first.c_str(), tg::shape_str(b[i].second.shape()).c_str());
      return 1;
    }
    const auto x = tg::to_vector<double>(a[i].second), y = tg::to_vector<double>(b[i].second);
    double scale = 0, diff = 0;
    for (std::size_t j = 0; j < x.size(); ++j) {
      scale = std::max(scale, std::abs(x[j]));
      diff = std::max(diff, std::abs(x[j] - y[j]));
    }
    const double relative = scale > 0 ? diff / scale : diff;
    if (relative >= worst) {
      worst = relative;
      worst_name = a[i].first;
    }
  }
  std::printf("worst relative difference %.3g (tensor %s), tolerance %.3g\n", worst, worst_name.c_str(), tolerance);
  return worst <= tolerance ? 0 : 1;
}
