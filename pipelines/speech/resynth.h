// `jielong speech resynth IN -o OUT`: a recording through speech units and back — audio -> units
// (models/speech_units.h) -> the unit vocoder (models/unit_vocoder.h) -> audio — so that what the
// units keep (the words, roughly the voice and its melody) and what they lose can be heard. The
// output carries its unit sequence in its metadata. IN may be a folder of recordings (the output is
// then a folder of the same names).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pipelines/callbacks.h"

namespace jl::models {
struct LogMelConfig;
class ModelStore;
class SpeechUnitsImpl;
class UnitVocoderImpl;
}  // namespace jl::models

namespace jl::speech {

// The vocoder's last stage: its own harmonic-plus-noise source (refined by a few Griffin-Lim iterations
// from its phases), or Griffin-Lim alone on its mel.
enum class Waveform { SourceFilter, GriffinLim };
std::string waveform_name(Waveform waveform);  // "source-filter" or "griffin-lim"

inline constexpr int kGriffinLimIterations = 32;

// The unit vocoder `name` from the store (loaded once).
std::shared_ptr<models::UnitVocoderImpl> unit_vocoder(models::ModelStore& store, const std::string& name);

// A unit sequence's waveform [N] at the vocoder's sample rate, in `voice` (UnitVocoderImpl::voice_of a
// recording; undefined: the vocoder's default voice).
torch::Tensor vocode(models::UnitVocoderImpl& vocoder, const std::vector<int64_t>& units, Waveform waveform, uint64_t seed,
                     const torch::Tensor& voice = {});

// Mono samples through their own log-mel (and pitch) and the waveform stage, without units.
torch::Tensor analysis_synthesis(const models::LogMelConfig& features, const torch::Tensor& samples, Waveform waveform, uint64_t seed);

// The 50 Hz unit sequence of mono samples at the codebook's rate.
std::vector<int64_t> encode_units(models::SpeechUnitsImpl& units, const torch::Tensor& samples);

struct ResynthParams {
  std::filesystem::path input;   // a recording (anything FFmpeg reads) or a folder of them
  std::filesystem::path output;  // an audio file (.wav .flac .ogg .mp3) or, for a folder, a folder
  std::string units = "speech_units";
  std::string vocoder = "unit_vocoder";
  Waveform waveform = Waveform::SourceFilter;
  // Skip the units: the recording's own log-mel and pitch straight to the waveform stage (what the
  // waveform stage alone loses: the ceiling of resynthesis).
  bool from_mel = false;
  // Skip the vocoder: the units' codebook log-mel (SpeechUnitsImpl::log_mel_of) through Griffin-Lim,
  // whatever `waveform` says (there is no pitch to give the source): resynthesis without anything
  // learnt but the codebook, the baseline the unit vocoder is measured against.
  bool from_codebook = false;
  uint64_t seed = 0;
  bool overwrite = false;
  void validate() const;  // UsageError naming the flag
};

// {"output", "recordings", "seconds" (of audio made), "units_per_second", "real_time_factor"}
nlohmann::json resynthesize(const ResynthParams& params, models::ModelStore& store, const Callbacks& callbacks = {});

}  // namespace jl::speech
