// Checkpoints: a save that fails part-way leaves the previous checkpoint intact and no temporary file.
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <csignal>

#include <tapegrad/nn/checkpoint.hpp>

#include "../support/files.hpp"

using namespace support;
using Catch::Contains;

namespace {

// Limits the size of any file this process writes (RLIMIT_FSIZE), so a write crossing `bytes` fails
// with EFBIG: a real I/O error in the middle of a save, without hooks in the library. Restores the
// limit and the SIGXFSZ disposition on scope exit.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    previous_handler_ = std::signal(SIGXFSZ, SIG_IGN);  // else the kernel kills the process
    if (getrlimit(RLIMIT_FSIZE, &previous_) != 0) return;
    rlimit limited = previous_;
    limited.rlim_cur = bytes;
    active_ = setrlimit(RLIMIT_FSIZE, &limited) == 0;
  }
  ~FileSizeLimit() {
    if (active_) setrlimit(RLIMIT_FSIZE, &previous_);
    std::signal(SIGXFSZ, previous_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;
  bool active() const { return active_; }

 private:
  rlimit previous_{};
  bool active_ = false;
  void (*previous_handler_)(int) = SIG_DFL;
};

std::unique_ptr<Params> big_module() {
  auto m = std::make_unique<Params>(std::vector<std::pair<std::string, tg::Tensor>>{
      {"weight", tg::zeros({64, 64}, tg::kFloat32)}, {"bias", tg::zeros({64}, tg::kFloat32)}});
  fill_distinct(*m, 2.0);
  return m;
}

}  // namespace

TEST_CASE("checkpoint: a write failing midway keeps the previous checkpoint", "[checkpoint]") {
  TempDir dir;
  const std::string path = dir / "model.safetensors";
  auto previous = big_module();
  tg::save(*previous, path);
  const std::string previous_bytes = read_file(path);

  auto next = big_module();
  fill_distinct(*next, 9.0);  // different values, same size (16.6 kB)
  {
    FileSizeLimit limit(4096);  // the temporary file can take only its first 4 kB
    if (!limit.active()) {
      WARN("setrlimit(RLIMIT_FSIZE) is not available here: the midway write failure is not exercised");
      return;
    }
    CHECK_THROWS_WITH(tg::save(*next, path), Contains("checkpoint '" + path + "': write failed"));
  }
  CHECK(read_file(path) == previous_bytes);
  CHECK(dir.entries() == std::vector<std::string>{"model.safetensors"});  // the temporary file is gone
  // And the previous checkpoint still loads.
  tg::load(*next, path);
  CHECK(snapshot(*next) == snapshot(*previous));
  // With the limit lifted, the same save succeeds.
  fill_distinct(*next, 9.0);
  tg::save(*next, path);
  CHECK(read_file(path) != previous_bytes);
}

TEST_CASE("checkpoint: a failing rename keeps what was at the target", "[checkpoint]") {
  TempDir dir;
  // The target is a non-empty directory: rename(2) refuses to replace it.
  const std::string path = dir / "model.safetensors";
  fs::create_directory(path);
  write_file(path + "/keep.txt", "keep");
  TwoLayer model;
  CHECK_THROWS_WITH(tg::save(model, path), Contains("checkpoint '" + path + "': cannot rename"));
  CHECK(fs::is_directory(path));
  CHECK(read_file(path + "/keep.txt") == "keep");
  CHECK(dir.entries() == std::vector<std::string>{"model.safetensors"});
}

TEST_CASE("checkpoint: saving into a directory that does not exist", "[checkpoint]") {
  TempDir dir;
  const std::string path = dir / "missing/model.safetensors";
  TwoLayer model;
  CHECK_THROWS_AS(tg::save(model, path), std::runtime_error);
  CHECK_THROWS_WITH(tg::save(model, path), Contains("checkpoint '" + path + "': cannot create temporary file") &&
                                               Contains("No such file or directory"));
  CHECK(dir.entries().empty());
}

TEST_CASE("checkpoint: a parameter name that collides with the metadata key", "[checkpoint]") {
  TempDir dir;
  Params model({{"__metadata__", tg::zeros({2})}});
  CHECK_THROWS_WITH(tg::save(model, dir / "m.safetensors"), Contains("may not be named __metadata__"));
  CHECK(dir.entries().empty());
}
