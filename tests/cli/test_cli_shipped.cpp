// The shipped checkpoints (assets/models) end to end through the command line, judged by the world
// judge: what `make demo` shows, held to a bar.
#include <catch2/catch.hpp>

#include "media_io/audio.h"
#include "test_util.h"

using namespace jl;
using jl::test::run_jielong;
namespace fs = std::filesystem;

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

TEST_CASE("shipped speech: held-out sentences spoken from text and from their units are heard, a recording continues",
          "[cli][shipped][speech]") {
  test::TempDir dir;
  // The first five held-out sentences (assets/eval/holdout_sentences.txt), said by the teacher voice.
  const std::vector<std::string> sentences = {"Don't you wish you had more energy.", "Stay away from flying saucers today.",
                                              "A pity that it's totally undeserved.", "You will be surprised by a loud noise.",
                                              "Stay off the furniture."};
  std::string texts, out;
  fs::create_directories(dir / "teacher");
  fs::create_directories(dir / "spoken");
  for (size_t i = 0; i < sentences.size(); ++i) {
    texts += sentences[i] + "\n";
    const std::string name = std::to_string(i) + ".wav";
    REQUIRE(test::festival_say(sentences[i], dir / "teacher" / name));
    REQUIRE(run_jielong("speak --text \"" + sentences[i] + "\" --seed " + std::to_string(i) + " -o " + (dir / "spoken" / name).string(), &out) == 0);
  }
  test::write_text_file(dir / "texts.txt", texts);
  const auto wer = [&](const fs::path& folder) {
    REQUIRE(run_jielong("--json eval-speech --texts " + (dir / "texts.txt").string() + " --inputs " + folder.string(), &out) == 0);
    return test::last_json(out).at("wer").get<double>();
  };
  CHECK(wer(dir / "spoken") <= 0.45);  // measured 19% (6 of 31 words; 32.7% on all 250 sentences)

  // Resynthesis keeps each recording's duration within 5% and its words.
  REQUIRE(run_jielong("speech resynth " + (dir / "teacher").string() + " -o " + (dir / "resynth").string(), &out) == 0);
  for (size_t i = 0; i < sentences.size(); ++i) {
    const std::string name = std::to_string(i) + ".wav";
    CHECK(media::read_audio(dir / "resynth" / name).seconds() == Approx(media::read_audio(dir / "teacher" / name).seconds()).epsilon(0.05));
  }
  CHECK(wer(dir / "resynth") <= 0.35);  // measured 6% (2 of 31 words; 23.7% on all 250 clips)

  // A continuation is the prompt resynthesised, then the seconds asked for.
  REQUIRE(run_jielong("speech continue " + (dir / "teacher" / "0.wav").string() + " --seconds 2 --seed 1 -o " + (dir / "continued.wav").string(), &out) == 0);
  CHECK(media::read_audio(dir / "continued.wav").seconds() ==
        Approx(media::read_audio(dir / "teacher" / "0.wav").seconds() + 2).margin(0.05));
}
