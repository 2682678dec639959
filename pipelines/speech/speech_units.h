// `jielong speech units IN -o units.txt`: a recording as speech units (models/speech_units.h).
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "media_io/audio.h"
#include "models/speech_units.h"

namespace jl::models {
class ModelStore;
}

namespace jl::speech {

struct SpeechUnitsParams {
  std::filesystem::path input;   // any audio FFmpeg reads (resampled to the codebook's rate, mixed to mono)
  std::filesystem::path output;  // units.txt
  std::string model = "speech_units";
  bool overwrite = false;
  void validate() const;
};

// The text form: one line of "UNITxFRAMES" runs ("42x3 17x5 ..."): the de-duplicated units and their
// durations at once, and the 50 Hz sequence by expanding them.
std::string format_unit_runs(const std::vector<models::UnitRun>& runs);
std::vector<models::UnitRun> parse_unit_runs(const std::string& text);  // jl::Error naming what is wrong

// The unit codebook `name` from the store (loaded once).
std::shared_ptr<models::SpeechUnitsImpl> speech_codebook(models::ModelStore& store, const std::string& name);

// What a model that reads or speaks units knows of its codebook: its size and, where recorded, its
// fingerprint (SpeechUnitsImpl::fingerprint()).
struct CodebookUse {
  std::string model;  // its name, for the message
  int units = 0;
  std::string fingerprint;
};
// A jl::Error naming both models unless they use the same codebook: the same size and, where both
// record one, the same fingerprint.
void check_same_codebook(const CodebookUse& a, const CodebookUse& b);

// UsageError unless `path` is an audio file name we write (.wav .flac .ogg .opus .mp3).
void check_speech_output(const std::filesystem::path& path);

// A recording's samples [N] float, resampled to `sample_rate` and mixed to mono; a jl::Error naming the
// file when it has no audio samples.
torch::Tensor read_mono_samples(const std::filesystem::path& path, int sample_rate);

// Mono samples [N] as audio at `sample_rate` (what the recognizer and the audio writer take).
media::Audio mono_audio(const torch::Tensor& samples, int sample_rate);

// Writes generated speech (samples [N] at `sample_rate`) to an audio file, atomically, with `comment`
// (JSON: what made it, and its units) in the comment tag; the peak is kept under full scale.
void write_speech(const std::filesystem::path& path, const torch::Tensor& samples, int sample_rate, const nlohmann::json& comment,
                  bool overwrite);

// Writes the units of `input` to `output`; returns {"frames", "runs", "seconds", "units_per_second",
// "deduplicated_units_per_second"}.
nlohmann::json speech_units(const SpeechUnitsParams& params, models::ModelStore& store);

}  // namespace jl::speech
