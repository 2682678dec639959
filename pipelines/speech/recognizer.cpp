#include "pipelines/speech/recognizer.h"

#include <pocketsphinx.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <vector>

#include "core/error.h"

namespace jl::speech {

namespace fs = std::filesystem;

namespace {

// Where pocketsphinx-en-us puts the model (pkg-config's modeldir, given by the build).
const fs::path kModelDir = JL_POCKETSPHINX_MODELDIR;

void require_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec))
    throw Error(path.string() + " not found: the speech judge needs pocketsphinx-en-us (run scripts/install-deps.sh)");
}

}  // namespace

struct Recognizer::State {
  cmd_ln_t* config = nullptr;
  ps_decoder_t* decoder = nullptr;
  ~State() {
    if (decoder) ps_free(decoder);
    if (config) cmd_ln_free_r(config);
  }
};

Recognizer::Recognizer(const std::string& jsgf) : state_(std::make_unique<State>()) {
  const fs::path hmm = kModelDir / "en-us" / "en-us", lm = kModelDir / "en-us" / "en-us.lm.bin",
                 dict = kModelDir / "en-us" / "cmudict-en-us.dict";
  for (const fs::path& p : {hmm, lm, dict}) require_file(p);
  // Quiet: pocketsphinx logs every step to stderr unless given a log file.
  state_->config = jsgf.empty() ? cmd_ln_init(nullptr, ps_args(), TRUE, "-hmm", hmm.c_str(), "-dict", dict.c_str(),
                                               "-lm", lm.c_str(), "-logfn", "/dev/null", nullptr)
                                 : cmd_ln_init(nullptr, ps_args(), TRUE, "-hmm", hmm.c_str(), "-dict", dict.c_str(),
                                               "-logfn", "/dev/null", nullptr);
  if (!state_->config) throw Error("pocketsphinx: cannot set up the recognizer's configuration");
  state_->decoder = ps_init(state_->config);
  if (!state_->decoder) throw Error("pocketsphinx: cannot load the model in " + (kModelDir / "en-us").string());
  if (!jsgf.empty()) {
    if (ps_set_jsgf_string(state_->decoder, "grammar", jsgf.c_str()) != 0 || ps_set_search(state_->decoder, "grammar") != 0)
      throw Error("pocketsphinx: the grammar does not compile (a word missing from CMUdict, or a JSGF syntax error)");
  }
}

Recognizer::~Recognizer() = default;

std::string Recognizer::transcribe(const media::Audio& audio) {
  if (audio.sample_rate != kSampleRate || audio.channels != 1)
    throw Error("the recognizer takes 16 kHz mono audio, got " + std::to_string(audio.sample_rate) + " Hz with " +
                std::to_string(audio.channels) + " channel(s)");
  std::vector<int16_t> pcm(audio.samples.size());
  std::transform(audio.samples.begin(), audio.samples.end(), pcm.begin(), [](float x) {
    return int16_t(std::lround(std::clamp(x, -1.0f, 1.0f) * 32767.0f));
  });
  ps_decoder_t* ps = state_->decoder;
  if (ps_start_utt(ps) < 0) throw Error("pocketsphinx: cannot start an utterance");
  // The whole clip as one utterance (full_utt), so cepstral mean normalisation sees all of it.
  const int processed = pcm.empty() ? 0 : ps_process_raw(ps, pcm.data(), pcm.size(), FALSE, TRUE);
  ps_end_utt(ps);
  if (processed < 0) throw Error("pocketsphinx: the audio could not be decoded");
  int32 score = 0;
  const char* hyp = ps_get_hyp(ps, &score);
  std::string text = hyp ? hyp : "";
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return text;
}

std::string Recognizer::transcribe_file(const fs::path& path) {
  return transcribe(media::read_audio(path, kSampleRate, 1));
}

}  // namespace jl::speech
