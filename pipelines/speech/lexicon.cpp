#include "pipelines/speech/lexicon.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace jl::speech {

namespace fs = std::filesystem;

const std::vector<std::string>& Lexicon::phoneme_names() {
  static const std::vector<std::string> names = {"AA", "AE", "AH", "AO", "AW", "AY", "B",  "CH", "D",  "DH",
                                                 "EH", "ER", "EY", "F",  "G",  "HH", "IH", "IY", "JH", "K",
                                                 "L",  "M",  "N",  "NG", "OW", "OY", "P",  "R",  "S",  "SH",
                                                 "T",  "TH", "UH", "UW", "V",  "W",  "Y",  "Z",  "ZH"};
  return names;
}

fs::path Lexicon::default_path() { return fs::path(JL_POCKETSPHINX_MODELDIR) / "en-us" / "cmudict-en-us.dict"; }

Lexicon::Lexicon(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(path.string() + " not found: speech needs CMUdict from pocketsphinx-en-us (run scripts/install-deps.sh)");
  const std::vector<std::string>& names = phoneme_names();
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string word, phoneme;
    if (!(fields >> word) || word.find('(') != std::string::npos) continue;  // blank, or an alternative
    std::vector<int> ids;
    while (fields >> phoneme) {
      phoneme.erase(std::remove_if(phoneme.begin(), phoneme.end(), ::isdigit), phoneme.end());  // stress marks, if any
      const auto it = std::lower_bound(names.begin(), names.end(), phoneme);
      if (it == names.end() || *it != phoneme) throw Error(path.string() + ": unknown phoneme '" + phoneme + "' in the entry of " + word);
      ids.push_back(int(it - names.begin()));
    }
    if (!ids.empty()) pronunciations_.emplace(word, std::move(ids));
  }
  if (pronunciations_.empty()) throw Error(path.string() + ": no pronunciations in it (is it CMUdict?)");
}

const Lexicon& Lexicon::shared() {
  static const Lexicon lexicon;
  return lexicon;
}

std::vector<int> Lexicon::tokens(const std::string& text) const {
  static const std::string punctuation = ".,;:!?-\"()";
  std::vector<int> out = {kPause};
  std::string word;
  const auto finish_word = [&] {
    if (word.empty()) return;
    // Apostrophes around a word are quotes, not part of it ('tis and rock'n'roll keep theirs when listed).
    std::string key = word;
    if (!pronunciations_.count(key)) {
      while (!key.empty() && key.front() == '\'') key.erase(0, 1);
      while (!key.empty() && key.back() == '\'') key.pop_back();
    }
    const auto it = pronunciations_.find(key);
    if (it == pronunciations_.end())
      throw Error("cannot say '" + word + "': not in the pronouncing dictionary (CMUdict); spell it differently or leave it out");
    if (out.back() != kPause) out.push_back(kWordBoundary);
    out.insert(out.end(), it->second.begin(), it->second.end());
    word.clear();
  };
  for (const char raw : text) {
    const auto c = static_cast<unsigned char>(raw);
    if (std::isalpha(c) || c == '\'') {
      word += char(std::tolower(c));
    } else if (std::isspace(c)) {
      finish_word();
    } else if (punctuation.find(raw) != std::string::npos) {
      finish_word();
      if (out.back() != kPause) out.push_back(kPause);
    } else {
      throw Error(std::string("cannot say the character '") + raw + "'" + (std::isdigit(c) ? ": spell numbers out in words" : "") +
                  " (letters, apostrophes and . , ; : ! ? - \" ( ) are read)");
    }
  }
  finish_word();
  if (out.size() == 1) throw Error("nothing to say: the text has no words");
  if (out.back() != kPause) out.push_back(kPause);
  return out;
}

std::string Lexicon::describe(const std::vector<int>& tokens) const {
  std::string out;
  for (const int t : tokens) {
    out += out.empty() ? "" : " ";
    out += t == kWordBoundary ? "|" : t == kPause ? "." : (t >= 0 && t < kPhonemes) ? phoneme_names()[size_t(t)] : "?";
  }
  return out;
}

}  // namespace jl::speech
