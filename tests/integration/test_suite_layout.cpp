// The suite's layout is a rule, so it is checked: every test case lives in the folder of one unit and
// carries that unit's tag and no other unit's, so `tapegrad_tests [core]` runs exactly tests/core/.
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

TEST_CASE("suite layout: each test case is tagged with its folder's unit and no other unit", "[integration]") {
  // The folders tests/CMakeLists.txt compiles; each is also its tests' tag.
  const std::set<std::string> units = {"core", "nn", "optim", "datasets", "checkpoint", "onnx", "integration", "op_table"};
  const auto& tests = Catch::getRegistryHub().getTestCaseRegistry().getAllTests();
  REQUIRE_FALSE(tests.empty());
  for (const auto& test : tests) {
    const std::string folder = std::filesystem::path(test.lineInfo.file).parent_path().filename().string();
    INFO("'" << test.name << "' in " << test.lineInfo.file << " tagged " << test.tagsAsString());
    REQUIRE(units.count(folder) == 1);
    std::vector<std::string> unit_tags;
    for (const auto& tag : test.tags)
      if (units.count(tag)) unit_tags.push_back(tag);
    CHECK(unit_tags == std::vector<std::string>{folder});
  }
}
