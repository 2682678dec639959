// `jielong world render | judge | eval` through the real binary.
#include <catch2/catch.hpp>
#include <sstream>
#include <nlohmann/json.hpp>

#include "test_util.h"
#include "world/caption.h"

using namespace jl;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
namespace fs = std::filesystem;

TEST_CASE("world render output passes judge for image and video prompts", "[cli]") {
  test::TempDir dir;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a small red circle in the top left on a black background", "a.png"},
      {"one large blue star under a yellow square on a white background", "b.png"},
      {"an orange cross in the center", "c.png"},
      {"a green triangle on a gray background moving right", "d.mp4"},
      {"a pink diamond growing", "e.gif"},
  };
  for (const auto& [prompt, name] : cases) {
    std::string out;
    const std::string file = (dir / name).string();
    REQUIRE(test::run_jielong("world render --prompt \"" + prompt + "\" -o " + file + " --size 96 --seed 4", &out) == 0);
    REQUIRE(test::run_jielong("judge --prompt \"" + prompt + "\" " + file, &out) == 0);
    const auto j = nlohmann::json::parse(out);
    INFO(prompt << "\n" << out);
    CHECK(j.at("pass").get<bool>());
  }
  // The judge's verdict on a wrong prompt is still exit 0: the JSON says it failed and why.
  std::string out;
  REQUIRE(test::run_jielong("judge --prompt \"a red circle in the bottom right\" " + (dir / "a.png").string(), &out) == 0);
  const auto j = nlohmann::json::parse(out);
  CHECK_FALSE(j.at("pass").get<bool>());
}

TEST_CASE("world commands reject bad prompts and outputs with one line", "[cli]") {
  test::TempDir dir;
  std::string out;
  CHECK(test::run_jielong("world render --prompt \"a red dog\" -o " + (dir / "x.png").string(), &out) == 1);
  CHECK(test::count_lines(out) == 1);
  CHECK_THAT(out, StartsWith("jielong: ") && Contains("unknown word 'dog'") && Contains("circle") && Contains("above"));
  CHECK(test::run_jielong("world render --prompt \"a red circle moving left\" -o " + (dir / "x.png").string(), &out) == 2);
  CHECK_THAT(out, Contains("video"));
  CHECK(test::run_jielong("world render --prompt \"a red circle\" -o " + (dir / "x.png").string() + " --size 8", &out) == 2);
  CHECK_THAT(out, Contains("--size"));
  CHECK(test::run_jielong("judge --prompt \"a red circle\" " + (dir / "missing.png").string(), &out) == 1);
  CHECK(test::count_lines(out) == 1);
  CHECK_FALSE(fs::exists(dir / "x.png"));
}

TEST_CASE("eval prints a per-clause table and JSON", "[cli]") {
  test::TempDir dir;
  std::string out;
  REQUIRE(test::run_jielong("world sample --n 4 --out " + (dir / "d").string() + " --seed 2", &out) == 0);
  std::string prompts;
  for (int i = 0; i < 4; ++i) prompts += test::read_text_file(dir / "d" / ("0000" + std::to_string(i) + ".txt"));
  test::write_text_file(dir / "prompts.txt", prompts);
  REQUIRE(test::run_jielong("eval --prompts " + (dir / "prompts.txt").string() + " --inputs " + (dir / "d").string(), &out) == 0);
  CHECK_THAT(out, Contains("overall") && Contains("100.0%"));
  REQUIRE(test::run_jielong("eval --json --prompts " + (dir / "prompts.txt").string() + " --inputs " + (dir / "d").string() +
                            " --report " + (dir / "r.json").string(), &out) == 0);
  const auto r = test::last_json(out);
  CHECK(r.at("accuracy") == 1.0);
  CHECK(nlohmann::json::parse(test::read_text_file(dir / "r.json")).at("prompts") == 4);
}

TEST_CASE("eval refuses ambiguous stems and survives long numeric ones", "[cli]") {
  test::TempDir dir;
  std::string out;
  REQUIRE(test::run_jielong("world sample --n 1 --out " + (dir / "d").string(), &out) == 0);
  test::write_text_file(dir / "p.txt", test::read_text_file(dir / "d" / "00000.txt"));
  fs::copy_file(dir / "d" / "00000.png", dir / "d" / "99999999999999999999999.png");
  REQUIRE(test::run_jielong("eval --json --prompts " + (dir / "p.txt").string() + " --inputs " + (dir / "d").string(), &out) == 0);
  CHECK(test::last_json(out).at("passed") == 1);
  fs::copy_file(dir / "d" / "00000.png", dir / "d" / "0.png");
  CHECK(test::run_jielong("eval --prompts " + (dir / "p.txt").string() + " --inputs " + (dir / "d").string(), &out) == 1);
  CHECK(test::count_lines(out) == 1);
  CHECK_THAT(out, Contains("answer to '0'"));
}

TEST_CASE("judge output stays valid JSON for file names that are not UTF-8", "[cli]") {
  test::TempDir dir;
  std::string out;
  const std::string name = (dir / "bad\xff.png").string();
  REQUIRE(test::run_jielong("world render --prompt \"a red circle\" -o '" + name + "'", &out) == 0);
  REQUIRE(test::run_jielong("judge --prompt \"a red circle\" '" + name + "'", &out) == 0);
  const auto j = nlohmann::json::parse(out);
  CHECK(j.at("pass").get<bool>());
  CHECK_THAT(j.at("file").get<std::string>(), Contains("bad\xef\xbf\xbd.png"));  // U+FFFD
}

TEST_CASE("rewriting a frame pattern with fewer frames leaves no old frames behind", "[cli]") {
  test::TempDir dir;
  std::string out;
  const std::string pattern = (dir / "f" / "f_%03d.png").string();
  REQUIRE(test::run_jielong("world render --prompt \"a red circle moving left\" --frames 4 -o " + pattern, &out) == 0);
  CHECK(fs::exists(dir / "f" / "f_004.png"));
  REQUIRE(test::run_jielong("world render --prompt \"a red circle moving left\" --frames 2 --overwrite -o " + pattern, &out) == 0);
  CHECK(fs::exists(dir / "f" / "f_002.png"));
  CHECK_FALSE(fs::exists(dir / "f" / "f_003.png"));
  CHECK_FALSE(fs::exists(dir / "f" / "f_004.png"));
}

TEST_CASE("world captions prints sentences of the grammar, the same for the same seed", "[cli]") {
  std::string a, b, c;
  REQUIRE(test::run_jielong("world captions --n 6 --seed 3", &a) == 0);
  REQUIRE(test::run_jielong("world captions --n 6 --seed 3", &b) == 0);
  REQUIRE(test::run_jielong("world captions --n 6 --seed 4 --video", &c) == 0);
  CHECK(a == b);
  CHECK(test::count_lines(a) == 6);
  std::istringstream lines(a + c);
  for (std::string line; std::getline(lines, line);) CHECK_NOTHROW(world::parse_prompt(line));
  CHECK_THAT(c, Contains("moving") || Contains("growing") || Contains("shrinking"));
  CHECK(test::run_jielong("world captions --n -1", &a) == 2);
}
