// The speech judge: word error rate, and pocketsphinx hearing speech that Festival's teacher voice
// says (open vocabulary and the ShapeWorld caption grammar). Festival and pocketsphinx come from
// scripts/install-deps.sh.
#include <catch2/catch.hpp>

#include "core/error.h"
#include "media_io/audio.h"
#include "pipelines/speech/recognizer.h"
#include "pipelines/speech/speech_eval.h"
#include "test_util.h"
#include "world/caption.h"

using namespace jl;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

TEST_CASE("word error rate: the fewest substitutions, deletions and insertions", "[speech]") {
  using speech::normalize_words;
  CHECK(normalize_words("The cat's X-ray, sat.") == std::vector<std::string>{"the", "cat's", "x", "ray", "sat"});
  const auto e = speech::word_errors(normalize_words("the cat sat"), normalize_words("the bat sat on"));
  CHECK(e.substitutions == 1);
  CHECK(e.insertions == 1);
  CHECK(e.deletions == 0);
  CHECK(e.rate() == Approx(2.0 / 3.0));
  const auto none = speech::word_errors(normalize_words("a red circle"), {});
  CHECK(none.deletions == 3);
  CHECK(none.rate() == 1.0);
  CHECK(speech::word_errors({}, {}).rate() == 0.0);
  CHECK(speech::word_errors(normalize_words("a b c d"), normalize_words("a c d")).errors() == 1);
}

TEST_CASE("the recognizer hears the teacher voice, open and with the caption grammar", "[speech]") {
  test::TempDir dir;
  const std::string caption = "a small red circle left of a blue square";
  REQUIRE(test::festival_say(caption, dir / "caption.wav"));

  speech::Recognizer open;
  const std::string heard = open.transcribe_file(dir / "caption.wav");
  CAPTURE(heard);
  // The general model mishears small words ("a" as "the", "left of" as "and": 4 of 9 words, 25% WER
  // on captions overall), never the colours and shapes.
  CHECK(speech::word_errors(speech::normalize_words(caption), speech::normalize_words(heard)).rate() <= 0.5);
  CHECK_THAT(heard, Contains("red circle") && Contains("blue square"));

  speech::Recognizer closed(world::caption_jsgf());
  const std::string parsed = closed.transcribe_file(dir / "caption.wav");
  CAPTURE(parsed);
  CHECK(world::canonical_caption(world::parse_prompt(parsed)) == world::canonical_caption(world::parse_prompt(caption)));

  // Silence is heard as nothing; audio of another rate is named.
  media::Audio silence{16000, 1, std::vector<float>(16000, 0.0f)};
  CHECK(open.transcribe(silence).empty());
  CHECK(open.transcribe(media::Audio{16000, 1, {}}).empty());
  CHECK_THROWS_WITH(open.transcribe(test::test_tone(44100, 2, 0.1)), Contains("16 kHz mono") && Contains("44100"));
  CHECK_THROWS_WITH(speech::Recognizer("#JSGF V1.0; grammar g; public <x> = flurbleglorp;"), Contains("grammar"));
}

TEST_CASE("eval-speech scores a folder against sentences, with one-line errors", "[speech][cli]") {
  test::TempDir dir;
  fs::create_directories(dir / "audio");
  REQUIRE(test::festival_say("a large green star on a black background", dir / "audio" / "0.wav"));
  test::write_text_file(dir / "audio" / "1.wav", "not audio");
  test::write_text_file(dir / "texts.txt", "a large green star on a black background\na blue cross\nan orange diamond\n");
  std::string out;
  REQUIRE(test::run_jielong("eval-speech --json --grammar shapeworld --texts " + (dir / "texts.txt").string() +
                                " --inputs " + (dir / "audio").string() + " --report " + (dir / "r.json").string(),
                            &out) == 0);
  const auto r = test::last_json(out);
  CHECK(r.at("sentences") == 3);
  CHECK(r.at("scenes_right") == 1);  // the unreadable and the missing file are that sentence's failure
  CHECK(r.at("wer").get<double>() >= 5.0 / 12.0);
  const auto report = nlohmann::json::parse(test::read_text_file(dir / "r.json"));
  CHECK_THAT(report.at("items")[1].at("error").get<std::string>(), Contains("1.wav"));
  CHECK_THAT(report.at("items")[2].at("error").get<std::string>(), Contains("no file with stem 2"));

  // A sentence that is not a caption, under the caption grammar; a missing folder; an unknown mode.
  test::write_text_file(dir / "bad.txt", "the quick brown fox\n");
  CHECK(test::run_jielong("eval-speech --grammar shapeworld --texts " + (dir / "bad.txt").string() + " --inputs " +
                              (dir / "audio").string(), &out) == 1);
  CHECK(test::count_lines(out) == 1);
  CHECK_THAT(out, Contains("unknown word 'quick'"));
  CHECK(test::run_jielong("eval-speech --texts " + (dir / "bad.txt").string() + " --inputs " + (dir / "nope").string(), &out) == 1);
  CHECK_THAT(out, Contains("is not a folder"));
  CHECK(test::run_jielong("eval-speech --grammar klingon --texts a --inputs b", &out) == 2);
}
