// The speech judge: Debian's pocketsphinx (the general US English model of pocketsphinx-en-us)
// transcribes speech, so that generated speech is measured by what a recognizer hears in it. Two
// modes: open vocabulary (the model's language model and CMUdict), or a closed JSGF grammar (e.g.
// world::caption_jsgf(), which hears only ShapeWorld captions).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "media_io/audio.h"

namespace jl::speech {

class Recognizer {
 public:
  // jsgf: a grammar's text; empty for the open vocabulary. jl::Error when pocketsphinx's model is not
  // installed (naming scripts/install-deps.sh) or the grammar does not compile.
  explicit Recognizer(const std::string& jsgf = {});
  ~Recognizer();
  Recognizer(const Recognizer&) = delete;
  Recognizer& operator=(const Recognizer&) = delete;

  static constexpr int kSampleRate = 16000;  // what the acoustic model was trained on

  // The words heard, lower case, separated by single spaces ("" for silence). `audio` must be 16 kHz
  // mono (jl::Error otherwise); a file is read at that rate and channel count whatever it holds.
  std::string transcribe(const media::Audio& audio);
  std::string transcribe_file(const std::filesystem::path& path);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace jl::speech
