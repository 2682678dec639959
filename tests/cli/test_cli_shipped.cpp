// The shipped checkpoints (assets/models) end to end through the command line, judged by the world
// judge: what `make demo` shows, held to a bar.
#include <catch2/catch.hpp>

#include "test_util.h"

using namespace jl;
using jl::test::run_jielong;

TEST_CASE("shipped tokenizer: holdout reconstructions keep every shape", "[cli][shipped]") {
  std::string out;
  REQUIRE(run_jielong("holdout tokenizer --count 100 --json", &out) == 0);
  const nlohmann::json r = test::last_json(out);
  CHECK(r["judge_pass"].get<double>() >= 0.99);
  CHECK(r["psnr"].get<double>() >= 28.0);
  CHECK(r["codes_used"].get<int>() >= 512);
  CHECK(r["token_stability"].get<double>() >= 0.8);  // measured 85.6%: the share re-tokenizing keeps
  // The 8x8 one the token generators use: these first 100 prompts hold most of its failures.
  REQUIRE(run_jielong("holdout tokenizer --tokenizer tokenizer_8x8 --count 100 --json", &out) == 0);
  const nlohmann::json coarse = test::last_json(out);
  CHECK(coarse["judge_pass"].get<double>() >= 0.96);  // measured 97% here, 99.0% on all 500
  CHECK(coarse["psnr"].get<double>() >= 28.0);
}

TEST_CASE("shipped ar: the holdout prompts' pictures pass the judge", "[cli][shipped]") {
  std::string out;
  REQUIRE(run_jielong("holdout txt2img --method ar --count 100 --json", &out) == 0);
  const nlohmann::json r = test::last_json(out);
  CHECK(r["accuracy"].get<double>() >= 0.85);  // measured 91% on these 100, 89.2% on all 500
  CHECK(r["one_object"]["accuracy"].get<double>() >= 0.8);
  CHECK(r["two_object"]["accuracy"].get<double>() >= 0.8);
}

TEST_CASE("shipped maskgit: the holdout prompts' pictures pass the judge", "[cli][shipped]") {
  std::string out;
  REQUIRE(run_jielong("holdout txt2img --method maskgit --count 100 --json", &out) == 0);
  const nlohmann::json r = test::last_json(out);
  CHECK(r["accuracy"].get<double>() >= 0.8);  // measured 88% on these 100, 87.2% on all 500
  CHECK(r["one_object"]["accuracy"].get<double>() >= 0.75);
  CHECK(r["two_object"]["accuracy"].get<double>() >= 0.75);
}
