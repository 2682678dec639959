#include <catch2/catch.hpp>
#include <fstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "test_util.h"

using namespace jl;
using Catch::Matchers::Contains;

namespace {
size_t count_files(const fs::path& dir) {
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.is_regular_file();
  return n;
}
}  // namespace

TEST_CASE("AtomicFile publishes only on commit", "[core]") {
  test::TempDir dir;
  const fs::path target = dir / "out.txt";
  {
    AtomicFile out(target, false);
    CHECK(out.temp_path().parent_path() == dir.path());
    CHECK(out.temp_path().extension() == ".txt");
    std::ofstream(out.temp_path()) << "hello";
    CHECK_FALSE(fs::exists(target));
    out.commit();
  }
  CHECK(test::read_text_file(target) == "hello");
  CHECK(count_files(dir.path()) == 1);
}

TEST_CASE("AtomicFile without commit leaves nothing behind", "[core]") {
  test::TempDir dir;
  {
    AtomicFile out(dir / "out.bin", false);
    std::ofstream(out.temp_path()) << "partial";
  }
  CHECK(count_files(dir.path()) == 0);
}

TEST_CASE("AtomicFile refuses to clobber without overwrite", "[core]") {
  test::TempDir dir;
  const fs::path target = dir / "keep.txt";
  test::write_text_file(target, "original");
  REQUIRE_THROWS_WITH(AtomicFile(target, false), Contains("already exists") && Contains("--overwrite"));
  CHECK(test::read_text_file(target) == "original");

  AtomicFile out(target, true);
  std::ofstream(out.temp_path()) << "replaced";
  out.commit();
  CHECK(test::read_text_file(target) == "replaced");
}

TEST_CASE("check_can_write names a missing folder", "[core]") {
  test::TempDir dir;
  REQUIRE_THROWS_WITH(check_can_write(dir / "nope" / "x.png", false), Contains("does not exist"));
  REQUIRE_THROWS_WITH(check_can_write(dir.path(), true), Contains("is a folder"));
}
