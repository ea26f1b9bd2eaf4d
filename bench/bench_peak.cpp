// The FMA peak of this machine (peak.hpp): GFLOP/s on one core and on all cores, for the instruction
// set the kernels run (TAPEGRAD_ISA may force a lower one) or for every available set.
//
//   bench_peak                 the active set
//   bench_peak --isa all       every available set
//   bench_peak --threads 2 --repetitions 10 --seconds 0.2
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "peak.hpp"

namespace tg = tapegrad;

int main(int argc, char** argv) {
  std::string which = "active";
  int threads = 0, repetitions = 5;
  double seconds = 0.1;
  CLI::App app{"Measure this machine's FMA peak (GFLOP/s) per core and on all cores"};
  app.add_option("--isa", which, "active, all, or one of sse2 avx2 avx512")->capture_default_str();
  app.add_option("--threads", threads, "threads of the all-core figure (default: every hardware thread)");
  app.add_option("--repetitions", repetitions, "runs per figure, the best kept")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--seconds", seconds, "length of one run")->capture_default_str()->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  try {
    const tg::CpuCapabilities& caps = tg::cpu_capabilities();
    std::printf("%s\n", caps.to_string().c_str());
    std::vector<tg::Isa> sets;
    for (tg::Isa isa : caps.available)
      if (isa != tg::Isa::scalar && (which == "all" || which == tg::isa_name(isa) ||
                                     (which == "active" && isa == std::max(caps.active, tg::Isa::sse2))))
        sets.push_back(isa);
    if (sets.empty()) throw std::invalid_argument("--isa " + which + ": not an available SIMD set here");
    std::printf("isa,threads,one_core_gflops,all_cores_gflops,all_cores_per_core_gflops\n");
    for (tg::Isa isa : sets) {
      const tg::bench::Peak p = tg::bench::measure_peak(isa, threads, repetitions, seconds);
      std::printf("%s,%d,%.1f,%.1f,%.1f\n", tg::isa_name(p.isa), p.threads, p.one_core_gflops, p.all_cores_gflops,
                  p.all_cores_gflops / p.threads);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_peak: %s\n", e.what());
    return 1;
  }
  return 0;
}
