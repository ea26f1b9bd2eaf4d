// Hostile .pt files: pickles that would run code, damaged or lying zip archives, tensors reaching
// past their storage, deep nesting, zip bombs. Each is refused with a message naming the file and
// the problem; nothing is run, nothing crashes, and a module being loaded keeps its values.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include <tapegrad/core/io/pickle.hpp>
#include <tapegrad/core/io/pt.hpp>
#include <tapegrad/core/io/zip.hpp>
#include <tapegrad/nn/checkpoint.hpp>

#include "../support/files.hpp"

using namespace support;
using Catch::Contains;
using namespace std::string_literals;

namespace {

std::string fixture(const std::string& name) {
  return (std::filesystem::path(TAPEGRAD_SOURCE_DIR) / "tests" / "fixtures" / "pt" / name).string();
}

// An archive holding `pickle` as its data.pkl and the given storages, built with the library's writer.
Bytes archive(const std::string& pickle, const std::vector<std::pair<std::string, Bytes>>& storages = {}) {
  Bytes out;
  tg::io::ZipWriter zip([](void* o, const void* d, std::uint64_t n) {
    auto* bytes = static_cast<Bytes*>(o);
    bytes->insert(bytes->end(), static_cast<const std::uint8_t*>(d), static_cast<const std::uint8_t*>(d) + n);
  }, &out);
  zip.add("archive/data.pkl", {reinterpret_cast<const std::uint8_t*>(pickle.data()), pickle.size()});
  for (const auto& [key, data] : storages) zip.add("archive/data/" + key, data);
  zip.finish();
  return out;
}

std::string read_error(const Bytes& bytes) {
  try {
    tg::io::read_pt(bytes, "crafted");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

const std::string kProto = "\x80\x02"s;
const char* const kPwned = "/tmp/tapegrad_pt_pwned";

}  // namespace

TEST_CASE("pt: each hostile fixture is refused naming the file and the problem", "[checkpoint][pt]") {
  std::filesystem::remove(kPwned);
  const std::pair<const char*, const char*> cases[] = {
      {"posix_system.pt", "refuses the global 'posix.system'"},
      {"builtins_eval.pt", "refuses the global '__builtin__.eval'"},  // protocol 2 names builtins so
      {"other_class.pt", "refuses the global '__main__.OtherClass'"},
      {"truncated.pt", "no zip end-of-central-directory record"},
      {"bad_crc.pt", "CRC-32 mismatch"},
      {"size_past_end.pt", "reach past the entries' area"},
      {"storage_short.pt", "needs 24 bytes but its record holds 16"},
      {"size_past_storage.pt", "reaches element 4 of a storage of 4 elements"},
      {"stride_past_storage.pt", "reaches element 4 of a storage of 4 elements"},
      {"deep_tuple.pt", "nest deeper than 1000 levels"},
      // 10^6 empty lists, made before they nest: their memory is refused first (a shallower one below).
      {"deep_list.pt", "bytes of memory, the limit for this archive"},
      {"bomb_ratio.pt", "more than deflate can produce (a zip bomb?)"},
      {"bomb_lie.pt", "inflates past its declared 1000 bytes"},
  };
  for (const auto& [file, problem] : cases) {
    INFO(file);
    CHECK_THROWS_AS(tg::io::read_pt(fixture(file)), std::runtime_error);
    CHECK_THROWS_WITH(tg::io::read_pt(fixture(file)), Contains(problem) && Contains(file));
    // A module being loaded keeps every value and version.
    auto module = std::make_unique<Params>(std::vector<std::pair<std::string, tg::Tensor>>{
        {"weight", tg::zeros({2})}, {"w", tg::zeros({2})}});
    fill_distinct(*module, 2.0);
    const auto before = snapshot(*module);
    const auto before_versions = versions(*module);
    CHECK_THROWS_WITH(tg::load(*module, fixture(file)), Contains(problem));
    CHECK(snapshot(*module) == before);
    CHECK(versions(*module) == before_versions);
  }
  CHECK_FALSE(std::filesystem::exists(kPwned));  // nothing from a file ran
}

TEST_CASE("pt: problems inside the pickle name the byte offset of the opcode", "[checkpoint][pt]") {
  CHECK_THROWS_WITH(tg::io::read_pt(fixture("posix_system.pt")), Contains("'archive/data.pkl' byte offset "));
  CHECK(read_error(archive(kProto + "N\x85"s "q\x00"s "0."s))  // POP: not an opcode torch.save writes
        == "checkpoint 'crafted': 'archive/data.pkl' byte offset 6: opcode 0x30 is not one torch.save writes at "
           "protocol 2; refused");
}

TEST_CASE("pt: the unpickler refuses what torch.save never writes", "[checkpoint][pt]") {
  CHECK_THAT(read_error(archive("\x80\x04N.")), Contains("pickle protocol 4"));
  CHECK_THAT(read_error(archive("N.")), Contains("does not start with a pickle PROTO"));
  CHECK_THAT(read_error(archive(kProto + "N.N"s)), Contains("1 bytes follow STOP"s));
  CHECK_THAT(read_error(archive(kProto + "NN."s)), Contains("STOP leaves 2 values"s));
  CHECK_THAT(read_error(archive(kProto + "h\x05."s)), Contains("memo entry 5 was never stored"s));
  CHECK_THAT(read_error(archive(kProto + "a."s)), Contains("pops an empty stack"s));
  CHECK_THAT(read_error(archive(kProto + "X\xff\xff\xff\x7f"s "abc"s)), Contains("the pickle ends inside an opcode"s));
  CHECK_THAT(read_error(archive(kProto + "\x8a\x09"s + std::string(9, '\1') + "."s)), Contains("does not fit 64 bits"s));
  // A container changed after it was put in another; a list put in itself.
  CHECK_THAT(read_error(archive(kProto + "]q\x00]h\x00"s "ah\x00N"s "a."s)), Contains("cannot change once it is inside another"s));
  CHECK_THAT(read_error(archive(kProto + "]q\x00h\x00"s "a."s)), Contains("cannot contain itself"s));
  // A dict key that is neither a string nor an integer.
  CHECK_THAT(read_error(archive(kProto + "})Ns."s)), Contains("a dict key must be a string or an int"s));
  // "Billion laughs": a tuple of two references to the tuple before, 40 times (2^40 values as a tree).
  std::string laughs = kProto + "N"s;
  for (int i = 0; i < 40; ++i) laughs += "q\x00h\x00\x86"s;
  CHECK_THAT(read_error(archive(laughs + "."s)), Contains("the object tree would hold more than 131072 values"s) &&
                                                 Contains("bytes of memory, the limit for this archive"s));
  // Lists nested 1001 deep (the depth bound, within the memory one).
  CHECK_THAT(read_error(archive(kProto + std::string(1001, ']') + std::string(1000, 'a') + "."s)),
             Contains("values nest deeper than 1000 levels"s));
  // GLOBAL names: unterminated, or a global torch does allow but that is no callable of ours.
  CHECK_THAT(read_error(archive(kProto + "cos\nsystem"s)), Contains("unterminated"s));
  CHECK_THAT(read_error(archive(kProto + "ctorch\nFloatStorage\n)R."s)), Contains("'torch.FloatStorage' cannot be called"s));
  CHECK_THAT(read_error(archive(kProto + "ccollections\nOrderedDict\nN\x85R."s)), Contains("OrderedDict is called with arguments"s));
}

TEST_CASE("pt: a small file cannot make the reader take much memory: values are refused past a limit set by its storages",
          "[checkpoint][pt]") {
  constexpr int kMillion = 1000000;
  std::string memo = kProto + "N"s;  // a million memo entries of one None
  for (int i = 0; i < kMillion; ++i) memo += "r"s + std::string(reinterpret_cast<const char*>(&i), 4);
  std::string strings = kProto + "]("s;  // a million one-letter strings in a list
  for (int i = 0; i < kMillion; ++i) strings += "X\x01\x00\x00\x00x"s;
  const std::pair<const char*, std::string> cases[] = {
      {"lists", kProto + "]("s + std::string(kMillion, ']') + "e."s},  // a million empty lists in a list
      {"dicts", kProto + "]("s + std::string(kMillion, '}') + "e."s},
      {"memo", memo + "."s},
      {"strings", strings + "e."s},
  };
  for (const auto& [what, pickle] : cases) {
    INFO(what);
    const std::string error = read_error(archive(pickle));
    CHECK_THAT(error, Contains("reading it would take more than 8388608 bytes of memory, the limit for this archive "
                               "(8388608 bytes + 64 per byte of its 0 bytes of storage records)"));
    // Refused early: within the first tenth of the opcodes, so the memory taken is the limit's, not the file's.
    const std::size_t at = error.find("byte offset ");
    REQUIRE(at != std::string::npos);
    CHECK(std::stoull(error.substr(at + 12)) < pickle.size() / 10);
  }
  // The limit grows with the archive's storage bytes: 100,000 empty lists (~17 MB as values) are
  // refused alone and read beside a 1 MB storage record (limit 72 MB).
  const std::string lists = kProto + "]("s + std::string(100000, ']') + "e."s;
  CHECK_THAT(read_error(archive(lists)), Contains("bytes of memory, the limit for this archive"));
  const tg::io::PtValue read = tg::io::read_pt(archive(lists, {{"0", Bytes(1 << 20)}}), "with storage");
  CHECK(read.items().size() == 100000);
}

TEST_CASE("pt: storage references are checked against the archive", "[checkpoint][pt]") {
  // _rebuild_tensor_v2((storage 'storage', torch.FloatStorage, key, 'cpu', numel), 0, (2,), (1,), False, OrderedDict())
  auto tensor_pickle = [](const std::string& type, const std::string& key, int numel, int size, int stride) {
    return kProto + "ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\n"s + type + "\nX"s +
           std::string(1, static_cast<char>(key.size())) + std::string(3, '\0') + key + "X\x03\x00\x00\x00"s "cpuK"s +
           std::string(1, static_cast<char>(numel)) + "tQK\x00K"s + std::string(1, static_cast<char>(size)) + "\x85K"s +
           std::string(1, static_cast<char>(stride)) + "\x85\x89}tR."s;
  };
  const Bytes eight(8, 0);
  // The good case first, so the failures below fail for the reason they name.
  const tg::io::PtValue ok = tg::io::read_pt(archive(tensor_pickle("FloatStorage", "0", 2, 2, 1), {{"0", eight}}), "ok");
  CHECK(ok.as_tensor().shape() == tg::Shape{2});
  CHECK_THAT(read_error(archive(tensor_pickle("FloatStorage", "1", 2, 2, 1), {{"0", eight}})),
             Contains("storage '1' has no record 'archive/data/1'"));
  CHECK_THAT(read_error(archive(tensor_pickle("FloatStorage", "0", 3, 2, 1), {{"0", eight}})),
             Contains("needs 12 bytes but its record holds 8"));
  CHECK_THAT(read_error(archive(tensor_pickle("ComplexFloatStorage", "0", 1, 1, 1), {{"0", eight}})),
             Contains("refuses the global 'torch.ComplexFloatStorage'"));
  CHECK_THAT(read_error(archive(tensor_pickle("FloatStorage", "0", 2, 2, 2), {{"0", eight}})),
             Contains("reaches element 2 of a storage of 2 elements"));
  // Stride 0 (an expanded tensor, which torch.save writes as it is): three elements over a storage of
  // two read as PyTorch reads them, a view no in-place op may write to.
  const Bytes two_floats = {0, 0, 0xc0, 0x3f, 0, 0, 0, 0x40};  // 1.5, 2
  const tg::Tensor expanded =
      tg::io::read_pt(archive(tensor_pickle("FloatStorage", "0", 2, 3, 0), {{"0", two_floats}}), "expanded").as_tensor();
  CHECK(expanded.strides() == tg::Strides{0});
  CHECK(values(expanded) == std::vector<double>{1.5, 1.5, 1.5});
  CHECK_THROWS_AS(tg::Tensor(expanded).copy_(tg::zeros({3})), std::invalid_argument);
}

TEST_CASE("pt: the zip reader checks its directory against the file", "[checkpoint][pt]") {
  const Bytes good = archive(kProto + "N."s);
  REQUIRE(tg::io::read_pt(good, "good").is_none());
  // Every truncation is refused cleanly (no crash, a message).
  for (std::size_t n = 0; n < good.size(); ++n) {
    INFO("first " << n << " bytes");
    CHECK_THROWS_AS(tg::io::read_pt(Bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n)), "cut"),
                    std::runtime_error);
  }
  // Every single flipped byte is refused or, where the byte is not checked (versions, times, padding),
  // read the same.
  for (std::size_t i = 0; i < good.size(); ++i) {
    Bytes bad = good;
    bad[i] ^= 0x5a;
    INFO("byte " << i);
    std::string error;
    bool none = false;
    try {
      none = tg::io::read_pt(bad, "flipped").is_none();
    } catch (const std::runtime_error& e) {
      error = e.what();
    }
    if (error.empty()) CHECK(none);
    else CHECK_THAT(error, Contains("checkpoint 'flipped': "));
  }
}
