#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

// catch_discover_tests registers each test case with ctest by name, and CMake splits names at ';'
// (its list separator): such a case would be registered as two names that match nothing and "pass"
// without running. This keeps every name whole.
TEST_CASE("every test case name is one ctest name (no semicolon in it)", "[core]") {
  for (const Catch::TestCase& test : Catch::getAllTestCasesSorted(*Catch::getCurrentContext().getConfig())) {
    INFO(test.name);
    CHECK(test.name.find(';') == std::string::npos);
  }
}
