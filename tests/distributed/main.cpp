// Catch2 on every rank, inside one MPI session. A failure on any rank makes that rank exit non-zero,
// and mpirun then reports the job as failed.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <tapegrad/distributed/collectives.hpp>

int main(int argc, char** argv) {
  tapegrad::distributed::Environment mpi(&argc, &argv);
  Catch::Session session;
  // Only rank 0 prints the summary; every rank runs every test.
  if (tapegrad::distributed::rank() != 0) session.configData().showSuccessfulTests = false;
  const int failed = session.run(argc, argv);
  return failed == 0 ? 0 : 1;
}
