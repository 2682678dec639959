#include "pipelines/speech/resynth.h"

#include <algorithm>
#include <chrono>

#include "core/atomic_file.h"
#include "core/error.h"
#include "media_io/audio.h"
#include "media_io/media_kind.h"
#include "models/mel_vocoders.h"
#include "models/model_store.h"
#include "models/pitch.h"
#include "models/speech_units.h"
#include "models/unit_vocoder.h"
#include "pipelines/speech/speech_units.h"

namespace jl::speech {

namespace fs = std::filesystem;

std::string waveform_name(Waveform waveform) { return waveform == Waveform::SourceFilter ? "source-filter" : "griffin-lim"; }

std::shared_ptr<models::UnitVocoderImpl> unit_vocoder(models::ModelStore& store, const std::string& name) {
  return store.get<models::UnitVocoderImpl>(name, [](const fs::path& path) { return models::load_unit_vocoder(path).ptr(); });
}

torch::Tensor vocode(models::UnitVocoderImpl& vocoder, const std::vector<int64_t>& units, Waveform waveform, uint64_t seed,
                     const torch::Tensor& voice) {
  if (waveform == Waveform::SourceFilter) return vocoder.synthesize(units, seed, voice);
  const models::UnitVocoderFrames frames = vocoder.predict(units, voice);
  return models::griffin_lim(vocoder.config.features, frames.log_mel[0], kGriffinLimIterations, seed);
}

std::vector<int64_t> encode_units(models::SpeechUnitsImpl& units, const torch::Tensor& samples) {
  torch::NoGradGuard no_grad;
  const torch::Tensor ids = units.encode(samples).contiguous();
  return {ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + ids.numel()};
}

torch::Tensor analysis_synthesis(const models::LogMelConfig& features, const torch::Tensor& samples, Waveform waveform, uint64_t seed) {
  const torch::Tensor mel = models::log_mel(features, samples);
  if (waveform == Waveform::GriffinLim) return models::griffin_lim(features, mel, kGriffinLimIterations, seed);
  const models::PitchTrack pitch = models::estimate_pitch(features, samples);
  return models::source_filter(features, mel, models::fill_unvoiced(pitch.f0, models::UnitVocoderImpl::kReferenceHz),
                               pitch.voiced().to(torch::kFloat), seed);
}

void ResynthParams::validate() const {
  if (input.empty()) throw UsageError("speech resynth: give the recording (or folder of recordings) to read");
  if (output.empty()) throw UsageError("speech resynth: -o is required (an audio file, or a folder for a folder)");
  if (from_mel && from_codebook) throw UsageError("speech resynth: give --from-mel or --from-codebook, not both");
  std::error_code ec;
  if (!fs::exists(input, ec)) throw Error(input.string() + ": no such file or folder");
  if (fs::is_directory(input, ec)) {
    if (fs::exists(output, ec) && !fs::is_directory(output, ec))
      throw UsageError("-o " + output.string() + ": the input is a folder, so the output must be a folder");
  } else {
    check_speech_output(output);
  }
}

nlohmann::json resynthesize(const ResynthParams& p, models::ModelStore& store, const Callbacks& callbacks) {
  p.validate();
  const auto start = std::chrono::steady_clock::now();
  const auto units = speech_codebook(store, p.units);
  const auto vocoder = unit_vocoder(store, p.vocoder);
  check_same_codebook({"the codebook " + p.units, units->config.units, units->fingerprint()},
                      {"the vocoder " + p.vocoder, vocoder->config.units, vocoder->config.codebook});
  if (units->config.features.sample_rate != vocoder->config.features.sample_rate)
    throw Error("speech resynth: the vocoder " + p.vocoder + " speaks at another sample rate than " + p.units + " reads (retrain it with jielong train vocoder)");
  const int rate = vocoder->config.features.sample_rate;

  std::vector<std::pair<fs::path, fs::path>> jobs;  // input, output
  std::error_code ec;
  if (fs::is_directory(p.input, ec)) {
    for (const auto& entry : fs::directory_iterator(p.input, ec))
      if (entry.is_regular_file() && media::is_audio_extension(media::lower_extension(entry.path())))
        jobs.emplace_back(entry.path(), p.output / entry.path().filename());
    std::sort(jobs.begin(), jobs.end());
    if (jobs.empty()) throw Error(p.input.string() + ": the folder has no recordings (.wav, .flac, .ogg, .mp3)");
    if (fs::is_directory(p.output, ec))  // refuse files in the way before anything is made
      for (const auto& job : jobs) check_can_write(job.second, p.overwrite);
    fs::create_directories(p.output, ec);
    if (!fs::is_directory(p.output, ec)) throw Error("-o " + p.output.string() + ": cannot make this folder");
  } else {
    check_can_write(p.output, p.overwrite);
    jobs.emplace_back(p.input, p.output);
  }

  double seconds = 0;
  int64_t frames = 0;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const torch::Tensor input = read_mono_samples(jobs[i].first, rate);
    const std::vector<int64_t> sequence = encode_units(*units, input);
    torch::Tensor samples;
    if (p.from_mel) {
      samples = analysis_synthesis(vocoder->config.features, input, p.waveform, p.seed);
    } else if (p.from_codebook) {
      torch::NoGradGuard no_grad;
      const torch::Tensor log_mel = units->log_mel_of(torch::tensor(sequence, torch::kLong));
      samples = models::griffin_lim(units->config.features, log_mel, kGriffinLimIterations, p.seed);
    } else {
      samples = vocode(*vocoder, sequence, p.waveform, p.seed, vocoder->voice_of(models::log_mel(vocoder->config.features, input)));
    }
    write_speech(jobs[i].second, samples, rate,
                 {{"generator", "jielong speech resynth"},
                  {"vocoder", p.from_codebook ? p.units : p.vocoder},
                  {"waveform", waveform_name(p.from_codebook ? Waveform::GriffinLim : p.waveform)},
                  {"from", p.from_mel ? "mel" : p.from_codebook ? "codebook" : "units"},
                  {"seed", p.seed},
                  {"units", format_unit_runs(models::deduplicate(sequence))}},
                 p.overwrite);
    seconds += double(samples.numel()) / rate;
    frames += int64_t(sequence.size());
    callbacks.report(int64_t(i) + 1, int64_t(jobs.size()));
    callbacks.throw_if_cancelled();
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {{"output", p.output.string()},
          {"recordings", jobs.size()},
          {"seconds", seconds},
          {"units_per_second", seconds > 0 ? double(frames) / seconds : 0},
          {"real_time_factor", seconds > 0 ? elapsed / seconds : 0}};
}

}  // namespace jl::speech
