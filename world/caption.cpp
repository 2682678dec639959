// The caption grammar of WORLD.md. Writing and parsing live together so that every paraphrase the
// writer can produce is one the parser reads back (the round trip is tested on thousands of specs).
#include "world/caption.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

#include "core/error.h"

namespace jl::world {

namespace {

// Paraphrase tables: index 0 is the canonical form.
const char* const kRelationForms[kRelations][2] = {
    {"to the left of", "left of"}, {"to the right of", "right of"}, {"above", "over"}, {"below", "under"}};

bool starts_with_vowel(const std::string& word) {
  return !word.empty() && std::string("aeiou").find(word[0]) != std::string::npos;
}

// A spec the grammar cannot say has no caption: say which rule it breaks.
void check_expressible(const SceneSpec& spec) {
  const size_t n = spec.objects.size();
  if (n < 1 || n > 2) throw Error("a scene has one or two objects, this spec has " + std::to_string(n));
  if (n == 2 && !spec.relation) throw Error("a two-object spec needs a relation (left of, right of, above, below)");
  if (n == 1 && spec.relation) throw Error("a relation needs two objects, this spec has one");
  if (spec.position && n != 1) throw Error("a position applies to a single object only");
  if (spec.motion && (n != 1 || spec.position)) throw Error("a video spec has one object and no position");
  if (n == 2 && spec.objects[0].color == spec.objects[1].color && spec.objects[0].shape == spec.objects[1].shape)
    throw Error("two objects never have the same (color, shape) pair");
}

// `rng` null: the canonical caption (first alternative everywhere).
std::string write_caption(const SceneSpec& spec, Rng* rng) {
  check_expressible(spec);
  std::string out;
  auto object = [&](const ObjectSpec& o) {
    std::string rest = o.size ? std::string(name_of(*o.size)) + " " : "";
    rest += std::string(name_of(o.color)) + " " + name_of(o.shape);
    const bool one = rng && rng->chance(1.0 / 3.0);
    out += one ? "one " : (starts_with_vowel(rest) ? "an " : "a ");
    out += rest;
  };
  object(spec.objects[0]);
  if (spec.position) out += std::string(" in the ") + name_of(*spec.position);
  if (spec.relation) {
    const int form = rng ? rng->below(2) : 0;
    out += std::string(" ") + kRelationForms[static_cast<int>(*spec.relation)][form] + " ";
    object(spec.objects[1]);
  }
  if (spec.background) out += std::string(" on a ") + name_of(*spec.background) + " background";
  if (spec.motion) out += std::string(" ") + name_of(*spec.motion);
  return out;
}

std::string join(const std::vector<std::string>& words, const char* sep) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) out += (i ? sep : "") + words[i];
  return out;
}

template <typename Enum>
std::string names_list(int count) {
  std::vector<std::string> names;
  for (int i = 0; i < count; ++i) names.push_back(name_of(static_cast<Enum>(i)));
  return join(names, ", ");
}

template <typename Enum>
std::optional<Enum> lookup(const std::string& word, int count) {
  for (int i = 0; i < count; ++i)
    if (word == name_of(static_cast<Enum>(i))) return static_cast<Enum>(i);
  return std::nullopt;
}

// A recursive-descent reader over lower-cased words; every failure names what it expected and where.
class Parser {
 public:
  Parser(std::string prompt, std::vector<std::string> words, std::vector<std::string> raw)
      : prompt_(std::move(prompt)), words_(std::move(words)), raw_(std::move(raw)) {}

  SceneSpec parse() {
    SceneSpec spec;
    word_objects_.assign(words_.size(), -1);
    spec.objects.push_back(object(0));
    if (peek() == "in") {
      spec.position = position();
    } else if (auto rel = relation()) {
      spec.relation = rel;
      spec.objects.push_back(object(1));
      const ObjectSpec &a = spec.objects[0], &b = spec.objects[1];
      if (a.color == b.color && a.shape == b.shape)
        throw Error("two objects never have the same (color, shape) pair: \"" + prompt_ +
                    "\" names two " + name_of(a.color) + " " + name_of(a.shape) + "s");
    }
    if (peek() == "on") spec.background = background();
    if (!spec.position && !spec.relation) spec.motion = motion();
    if (pos_ < words_.size()) fail(rest_expected(spec));
    return spec;
  }

  // After parse(): for each word, the index of the object it describes, or -1.
  const std::vector<int>& word_objects() const { return word_objects_; }

 private:
  std::string peek() const { return pos_ < words_.size() ? words_[pos_] : std::string(); }

  [[noreturn]] void fail(const std::string& what) const {
    const std::string where = pos_ == 0 ? "at the start of" : "after '" + raw_[pos_ - 1] + "' in";
    const std::string found = pos_ < words_.size() ? " (found '" + raw_[pos_] + "')" : " (the prompt ends there)";
    throw Error("expected " + what + " " + where + " \"" + prompt_ + "\"" + found);
  }

  void expect(const char* word) {
    if (peek() != word) fail(std::string("'") + word + "'");
    ++pos_;
  }

  ObjectSpec object(int index) {
    ObjectSpec o;
    const size_t first = pos_;
    const std::string article = peek();
    if (article != "a" && article != "an" && article != "one") fail("an article (a, an, one)");
    ++pos_;
    if (auto size = lookup<Size>(peek(), 2)) {
      o.size = size;
      ++pos_;
    }
    auto color = lookup<Color>(peek(), kColors);
    if (!color)
      fail(o.size ? "a color (" + names_list<Color>(kColors) + ")"
                  : "a size (small, large) or a color (" + names_list<Color>(kColors) + ")");
    o.color = *color;
    ++pos_;
    auto shape = lookup<Shape>(peek(), kShapes);
    if (!shape) fail("a shape (" + names_list<Shape>(kShapes) + ")");
    o.shape = *shape;
    ++pos_;
    std::fill(word_objects_.begin() + long(first), word_objects_.begin() + long(pos_), index);
    return o;
  }

  Position position() {
    expect("in");
    expect("the");
    const std::string first = peek();
    if (first == "center") {
      ++pos_;
      return Position::Center;
    }
    if (first != "top" && first != "bottom") fail("a position (top left, top right, bottom left, bottom right, center)");
    ++pos_;
    const std::string side = peek();
    if (side != "left" && side != "right") fail("'left' or 'right'");
    ++pos_;
    return *lookup<Position>(first + " " + side, kPositions);
  }

  // Any of the relation paraphrases, or nothing when the next word cannot start one.
  std::optional<Relation> relation() {
    const std::string w = peek();
    if (w == "above" || w == "over") return ++pos_, Relation::Above;
    if (w == "below" || w == "under") return ++pos_, Relation::Below;
    if (w == "to") {
      ++pos_;
      expect("the");
    } else if (w != "left" && w != "right") {
      return std::nullopt;
    }
    const std::string side = peek();
    if (side != "left" && side != "right") fail("'left' or 'right'");
    ++pos_;
    expect("of");
    return side == "left" ? Relation::LeftOf : Relation::RightOf;
  }

  Background background() {
    expect("on");
    expect("a");
    auto bg = lookup<Background>(peek(), kBackgrounds);
    if (!bg) fail("a background color (" + names_list<Background>(kBackgrounds) + ")");
    ++pos_;
    expect("background");
    return *bg;
  }

  std::optional<Motion> motion() {
    const std::string w = peek();
    if (w == "growing") return ++pos_, Motion::Growing;
    if (w == "shrinking") return ++pos_, Motion::Shrinking;
    if (w != "moving") return std::nullopt;
    ++pos_;
    auto m = lookup<Motion>("moving " + peek(), 4);
    if (!m) fail("a direction (left, right, up, down)");
    ++pos_;
    return m;
  }

  // What could still follow, given what the prompt has said so far.
  static std::string rest_expected(const SceneSpec& spec) {
    std::vector<std::string> options;
    const bool single = !spec.relation && !spec.position && !spec.background && !spec.motion;
    if (single) {
      options.push_back("a position (in the top left, ..., in the center)");
      options.push_back("a relation (left of, right of, above, below, ...) and a second object");
    }
    if (!spec.background && !spec.motion) options.push_back("a background (on a white|black|gray background)");
    if (!spec.position && !spec.relation && !spec.motion)
      options.push_back("a motion (moving left|right|up|down, growing, shrinking)");
    return options.empty() ? "the end of the prompt" : join(options, ", ") + " or the end of the prompt";
  }

  std::string prompt_;
  std::vector<std::string> words_, raw_;
  std::vector<int> word_objects_;
  size_t pos_ = 0;
};

}  // namespace

std::string caption(const SceneSpec& spec, Rng& rng) { return write_caption(spec, &rng); }

std::string canonical_caption(const SceneSpec& spec) { return write_caption(spec, nullptr); }

std::string caption_jsgf() {
  auto alternatives = [](int count, auto name) {
    std::string out;
    for (int i = 0; i < count; ++i) out += std::string(i ? " | " : "") + name(i);
    return out;
  };
  std::string g = "#JSGF V1.0;\ngrammar shapeworld;\n";
  g += "public <caption> = <object> [<position>] [<background>] | <object> <relation> <object> [<background>]"
       " | <object> [<background>] <motion>;\n";
  g += "<object> = (a | an | one) [<size>] <color> <shape>;\n";
  g += "<size> = " + alternatives(2, [](int i) { return name_of(static_cast<Size>(i)); }) + ";\n";
  g += "<color> = " + alternatives(kColors, [](int i) { return name_of(static_cast<Color>(i)); }) + ";\n";
  g += "<shape> = " + alternatives(kShapes, [](int i) { return name_of(static_cast<Shape>(i)); }) + ";\n";
  g += "<position> = in the (" + alternatives(kPositions, [](int i) { return name_of(static_cast<Position>(i)); }) + ");\n";
  g += "<relation> = " + alternatives(kRelations * 2, [](int i) { return kRelationForms[i / 2][i % 2]; }) + ";\n";
  g += "<background> = on a (" + alternatives(kBackgrounds, [](int i) { return name_of(static_cast<Background>(i)); }) +
       ") background;\n";
  g += "<motion> = " + alternatives(kMotions, [](int i) { return name_of(static_cast<Motion>(i)); }) + ";\n";
  return g;
}

const std::vector<std::string>& vocabulary() {
  static const std::vector<std::string> kWords = [] {
    std::set<std::string> words = {"a", "an", "one", "in", "the", "to", "of", "on", "background", "moving"};
    auto add_words = [&](const std::string& phrase) {
      std::istringstream in(phrase);
      for (std::string w; in >> w;) words.insert(w);
    };
    for (int i = 0; i < kColors; ++i) add_words(name_of(static_cast<Color>(i)));
    for (int i = 0; i < kShapes; ++i) add_words(name_of(static_cast<Shape>(i)));
    for (int i = 0; i < kBackgrounds; ++i) add_words(name_of(static_cast<Background>(i)));
    for (int i = 0; i < 2; ++i) add_words(name_of(static_cast<Size>(i)));
    for (int i = 0; i < kPositions; ++i) add_words(name_of(static_cast<Position>(i)));
    for (int i = 0; i < kMotions; ++i) add_words(name_of(static_cast<Motion>(i)));
    for (const auto& forms : kRelationForms) add_words(std::string(forms[0]) + " " + forms[1]);
    return std::vector<std::string>(words.begin(), words.end());  // std::set iterates sorted
  }();
  return kWords;
}

namespace {

Parser parser_for(const std::string& prompt) {
  std::vector<std::string> words, raw;
  std::istringstream in(prompt);
  for (std::string w; in >> w;) {
    std::string lower = w;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    const auto& vocab = vocabulary();
    if (!std::binary_search(vocab.begin(), vocab.end(), lower))
      throw Error("unknown word '" + w + "' in \"" + prompt + "\"; the vocabulary is: " + join(vocab, ", "));
    words.push_back(lower);
    raw.push_back(w);
  }
  if (words.empty()) throw Error("empty prompt: describe a scene, e.g. \"a red circle on a white background\"");
  return Parser(prompt, std::move(words), std::move(raw));
}

}  // namespace

SceneSpec parse_prompt(const std::string& prompt) { return parser_for(prompt).parse(); }

std::vector<int> word_objects(const std::string& prompt) {
  Parser parser = parser_for(prompt);
  parser.parse();
  return parser.word_objects();
}

}  // namespace jl::world
