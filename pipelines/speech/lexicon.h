// Text to phonemes for speech generation: words looked up in CMUdict (the copy pocketsphinx-en-us
// ships, 134k words, the recognizer's own), its 39 ARPAbet phonemes, a word-boundary token between
// words and a pause token at the ends and at punctuation. Numbers and symbols are not spoken: a
// character or word the lexicon cannot say is a jl::Error naming it.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace jl::speech {

class Lexicon {
 public:
  static constexpr int kPhonemes = 39;              // ids 0..38: AA AE AH ... ZH (alphabetical)
  static constexpr int kWordBoundary = kPhonemes;   // between two words
  static constexpr int kPause = kPhonemes + 1;      // at the start, the end and each punctuation mark
  static constexpr int kTokens = kPhonemes + 2;

  // CMUdict at `path` (default: pocketsphinx-en-us's); a jl::Error naming scripts/install-deps.sh when
  // it is missing. Alternative pronunciations ("word(2)") are skipped: the first is used.
  explicit Lexicon(const std::filesystem::path& path = default_path());
  static std::filesystem::path default_path();
  // One shared copy (loading takes about half a second).
  static const Lexicon& shared();

  // The token ids of a text. Letters, apostrophes, spaces and the punctuation . , ; : ! ? - " ( ) are
  // read; anything else, or a word not in the dictionary, is a jl::Error naming it.
  std::vector<int> tokens(const std::string& text) const;
  // The same as names ("DH AH | K AE T ."), for messages and tests.
  std::string describe(const std::vector<int>& tokens) const;

  static const std::vector<std::string>& phoneme_names();
  size_t words() const { return pronunciations_.size(); }

 private:
  std::map<std::string, std::vector<int>> pronunciations_;
};

}  // namespace jl::speech
