// Speech generation from the speech transformer (models/speech_transformer.h): text to speech
// (`jielong speak`: the text's tokens, their durations from the model's duration head, then the
// units one at a time) and continuation (`jielong speech continue`: a recording's units as the
// start, then the model's own). The units become audio through the unit vocoder.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pipelines/callbacks.h"
#include "pipelines/speech/resynth.h"
#include "pipelines/tokens/autoregressive.h"
#include "pipelines/tokens/sampling.h"

namespace jl::models {
class ModelStore;
class SpeechTransformerImpl;
}  // namespace jl::models

namespace jl::speech {

struct UnitSampling {
  tokens::SamplingOptions sampling{0.8, 0, 0.95};  // temperature, top-k, top-p
  double speed = 1.0;                              // durations are divided by it
  int gamma = 4;                                   // units a draft model proposes at a time
};

// The 50 Hz units of a text's tokens (pipelines/speech/lexicon.h). With a draft model (a smaller
// speech transformer of the same codebook), speculative decoding: the units follow `model`'s
// distribution exactly (pipelines/tokens/autoregressive.h); `stats` counts proposals and acceptances.
std::vector<int64_t> text_to_units(models::SpeechTransformerImpl& model, const std::vector<int>& text_tokens,
                                   const UnitSampling& options, at::Generator& generator, const Callbacks& callbacks = {},
                                   models::SpeechTransformerImpl* draft = nullptr, tokens::DecodeStats* stats = nullptr);

// `prompt` (50 Hz units) followed by `frames` more, without text.
std::vector<int64_t> continue_units(models::SpeechTransformerImpl& model, const std::vector<int64_t>& prompt, int64_t frames,
                                    const UnitSampling& options, at::Generator& generator, const Callbacks& callbacks = {});

struct SpeakParams {
  std::string text;
  std::filesystem::path output;     // .wav .flac .ogg .mp3
  std::string model = "tts";        // a speech transformer trained by `jielong train tts`
  std::string draft;                // a smaller one for speculative decoding (empty: none)
  std::string vocoder = "unit_vocoder";
  Waveform waveform = Waveform::SourceFilter;  // the vocoder's last stage
  // Temperature 0.3 (top-p 0.95): the shipped tts, held-out sentences 101-200 (not used to choose),
  // 48.8% WER against 54.1% at 0.8; on 1-100, 0.8 / 0.5 / 0.3 / 0 gave 41.1 / 39.2 / 38.5 / 40.7%.
  UnitSampling options{{0.3, 0, 0.95}};
  uint64_t seed = 0;
  bool overwrite = false;
  void validate() const;  // UsageError naming the flag
};

// Speaks `text` into `output` (its units in the comment tag). Returns {"output", "seconds", "frames",
// "real_time_factor"} (seconds of work per second of speech, model loading included), and with a
// draft "acceptance_rate" and "target_passes".
nlohmann::json speak(const SpeakParams& params, models::ModelStore& store, const Callbacks& callbacks = {});

struct ContinueParams {
  std::filesystem::path input;      // the prompt recording (anything FFmpeg reads)
  std::filesystem::path output;
  double seconds = 3;               // of speech after the prompt
  std::string units = "speech_units";
  std::string model = "unit_lm";    // a `jielong train unit-lm` model, or a tts one (its text-free half)
  std::string vocoder = "unit_vocoder";
  Waveform waveform = Waveform::SourceFilter;
  UnitSampling options;
  uint64_t seed = 0;
  bool overwrite = false;
  void validate() const;
};

// The prompt's units, then `seconds` more, spoken whole into `output` (the prompt resynthesised, then
// the continuation). Returns the same fields as speak() plus "prompt_seconds".
nlohmann::json continue_speech(const ContinueParams& params, models::ModelStore& store, const Callbacks& callbacks = {});

}  // namespace jl::speech
