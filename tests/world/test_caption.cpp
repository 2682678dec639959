// The caption grammar both ways: every sampled spec survives caption -> parse, every paraphrase is
// produced, and bad prompts fail with messages that say what to fix.
#include <catch2/catch.hpp>
#include <algorithm>
#include <set>
#include <sstream>
#include <string>

#include "core/error.h"
#include "world/caption.h"
#include "world/sampler.h"

using namespace jl::world;

namespace {

std::string error_of(const std::string& prompt) {
  try {
    parse_prompt(prompt);
  } catch (const jl::Error& e) {
    return e.what();
  }
  return "(no error)";
}

bool has_word(const std::string& caption, const std::string& phrase) {
  return (" " + caption + " ").find(" " + phrase + " ") != std::string::npos;
}

}  // namespace

TEST_CASE("caption and canonical caption parse back to the same spec", "[world]") {
  Rng rng(11);
  int videos = 0, two = 0;
  for (int i = 0; i < 6000; ++i) {
    const SceneSpec spec = sample_spec(rng, {/*video=*/i % 3 == 0, /*allow_holdout=*/true});
    const std::string text = caption(spec, rng);
    INFO(text);
    REQUIRE(parse_prompt(text) == spec);
    REQUIRE(parse_prompt(canonical_caption(spec)) == spec);
    videos += spec.is_video();
    two += spec.objects.size() == 2;
  }
  CHECK(videos == 2000);
  CHECK(two > 1500);
}

TEST_CASE("canonical captions are exact strings", "[world]") {
  SceneSpec spec;
  spec.objects = {{Color::Orange, Shape::Star, std::nullopt}, {Color::Red, Shape::Circle, Size::Large}};
  spec.relation = Relation::LeftOf;
  spec.background = Background::Gray;
  CHECK(canonical_caption(spec) == "an orange star to the left of a large red circle on a gray background");

  SceneSpec one;
  one.objects = {{Color::Blue, Shape::Cross, Size::Small}};
  one.position = Position::BottomRight;
  CHECK(canonical_caption(one) == "a small blue cross in the bottom right");

  SceneSpec video;
  video.objects = {{Color::Orange, Shape::Square, std::nullopt}};
  video.background = Background::Black;
  video.motion = Motion::Up;
  CHECK(canonical_caption(video) == "an orange square on a black background moving up");
}

TEST_CASE("messy case, extra spaces and any article parse", "[world]") {
  const SceneSpec spec = parse_prompt("  AN  Large RED\tcircle   In the  Top LEFT   on A Black background ");
  REQUIRE(spec.objects.size() == 1);
  CHECK(spec.objects[0] == ObjectSpec{Color::Red, Shape::Circle, Size::Large});
  CHECK(spec.position == Position::TopLeft);
  CHECK(spec.background == Background::Black);
  CHECK_FALSE(spec.motion);
  // "a" before a vowel and "an" before a consonant are accepted: the article is never checked.
  CHECK(parse_prompt("a orange square") == parse_prompt("an orange square"));
  CHECK(parse_prompt("an green square") == parse_prompt("one green square"));
  const SceneSpec rel = parse_prompt("one pink star UNDER a cyan diamond");
  CHECK(rel.relation == Relation::Below);
  CHECK(rel.objects[1] == ObjectSpec{Color::Cyan, Shape::Diamond, std::nullopt});
  CHECK(parse_prompt("a red circle growing").motion == Motion::Growing);
  CHECK(parse_prompt("a red circle on a white background moving down").motion == Motion::Down);
}

TEST_CASE("every paraphrase appears in a large sample", "[world]") {
  Rng rng(5);
  const std::vector<std::string> forms = {"to the left of", "left of", "to the right of", "right of", "above",
                                          "over", "below", "under"};
  std::set<std::string> seen;
  int a = 0, an = 0, one = 0;
  for (int i = 0; i < 5000; ++i) {
    const SceneSpec spec = sample_spec(rng, {i % 4 == 0, false});
    const std::string text = caption(spec, rng);
    a += text.rfind("a ", 0) == 0;
    an += text.rfind("an ", 0) == 0;
    one += text.rfind("one ", 0) == 0;
    if (text.rfind("an ", 0) == 0) CHECK(text.find("an orange") == 0);
    for (const auto& f : forms)
      if (has_word(text, f) && !(f == "left of" && has_word(text, "the left of")) &&
          !(f == "right of" && has_word(text, "the right of")))
        seen.insert(f);
  }
  CHECK(a > 0);
  CHECK(an > 0);
  CHECK(one > 0);
  for (const auto& f : forms) CHECK(seen.count(f) == 1);
}

TEST_CASE("an unknown word lists the vocabulary", "[world]") {
  const std::string msg = error_of("a red dog");
  CHECK(msg.find("unknown word 'dog' in \"a red dog\"") != std::string::npos);
  // The listed words are exactly the vocabulary, in order.
  const std::string marker = "; the vocabulary is: ";
  REQUIRE(msg.find(marker) != std::string::npos);
  std::vector<std::string> listed;
  std::istringstream list(msg.substr(msg.find(marker) + marker.size()));
  for (std::string w; std::getline(list, w, ',');) listed.push_back(w.substr(w.find_first_not_of(' ')));
  const auto& vocab = vocabulary();
  CHECK(listed == vocab);
  for (const char* word : {"a", "above", "an", "background", "circle", "cyan", "growing", "under", "yellow"})
    CHECK(std::count(listed.begin(), listed.end(), word) == 1);
  CHECK(std::is_sorted(vocab.begin(), vocab.end()));
  CHECK(vocab.front() == "a");
  CHECK(vocab.back() == "yellow");
  CHECK(std::count(vocab.begin(), vocab.end(), "over") == 1);
}

TEST_CASE("grammar errors say what was expected where", "[world]") {
  CHECK(error_of("a red") .find("expected a shape (circle, square, diamond, triangle, star, cross) after 'red' in \"a red\"") !=
        std::string::npos);
  CHECK(error_of("red circle").find("expected an article (a, an, one) at the start of") != std::string::npos);
  CHECK(error_of("a circle").find("expected a size (small, large) or a color") != std::string::npos);
  CHECK(error_of("a small circle").find("expected a color (red, green") != std::string::npos);
  CHECK(error_of("a red circle in the middle").find("unknown word 'middle'") != std::string::npos);
  CHECK(error_of("a red circle in the top").find("expected 'left' or 'right' after 'top'") != std::string::npos);
  CHECK(error_of("a red circle left of").find("expected an article (a, an, one) after 'of'") != std::string::npos);
  CHECK(error_of("a red circle on a red background").find("expected a background color (white, black, gray)") !=
        std::string::npos);
  // A position and a motion do not combine, nor a relation and a motion.
  const std::string pos_motion = error_of("a red circle in the center moving up");
  CHECK(pos_motion.find("expected a background (on a white|black|gray background) or the end of the prompt after "
                        "'center'") != std::string::npos);
  CHECK(error_of("a red circle above a blue star growing").find("after 'star'") != std::string::npos);
  CHECK(error_of("a red circle moving sideways").find("unknown word 'sideways'") != std::string::npos);
  CHECK(error_of("a red circle moving").find("expected a direction (left, right, up, down)") != std::string::npos);
  CHECK(error_of("a red circle a blue star").find("or the end of the prompt after 'circle'") != std::string::npos);
}

TEST_CASE("the same color and shape twice and an empty prompt are rejected", "[world]") {
  CHECK(error_of("a red circle left of a small red circle").find("same (color, shape) pair") != std::string::npos);
  CHECK(error_of("").find("empty prompt") != std::string::npos);
  CHECK(error_of("   \t ").find("empty prompt") != std::string::npos);
  // Same color with another shape, or same shape with another color, is fine.
  CHECK_NOTHROW(parse_prompt("a red circle left of a red star"));
  CHECK_NOTHROW(parse_prompt("a red circle left of a blue circle"));
  SceneSpec twice;
  twice.objects = {{Color::Red, Shape::Circle, std::nullopt}, {Color::Red, Shape::Circle, Size::Small}};
  twice.relation = Relation::Above;
  CHECK_THROWS_AS(canonical_caption(twice), jl::Error);
}

TEST_CASE("word_objects says which object each word describes", "[world]") {
  using V = std::vector<int>;
  CHECK(word_objects("a red circle") == V{0, 0, 0});
  CHECK(word_objects("One LARGE red circle  in the top left on a gray background") ==
        V{0, 0, 0, 0, -1, -1, -1, -1, -1, -1, -1, -1});
  CHECK(word_objects("a small red star to the left of an orange cross on a black background") ==
        V{0, 0, 0, 0, -1, -1, -1, -1, 1, 1, 1, -1, -1, -1, -1});
  CHECK(word_objects("a blue square under a large pink diamond") == V{0, 0, 0, -1, 1, 1, 1, 1});
  CHECK(word_objects("a green triangle moving up") == V{0, 0, 0, -1, -1});
  // Every sampled caption: the words of each object are its article, size, color and shape.
  Rng rng(11);
  for (int i = 0; i < 300; ++i) {
    const SceneSpec spec = sample_spec(rng, {});
    const std::string text = caption(spec, rng);
    const std::vector<int> objects = word_objects(text);
    for (size_t o = 0; o < spec.objects.size(); ++o)
      CHECK(std::count(objects.begin(), objects.end(), int(o)) == (spec.objects[o].size ? 4 : 3));
  }
  CHECK(error_of("a red circle left of").find("expected an article") != std::string::npos);
  CHECK_THROWS_AS(word_objects("a red blob"), jl::Error);
}
