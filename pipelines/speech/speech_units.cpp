#include "pipelines/speech/speech_units.h"

#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "media_io/audio.h"
#include "media_io/media_kind.h"
#include "models/model_store.h"

namespace jl::speech {

void SpeechUnitsParams::validate() const {
  if (input.empty()) throw UsageError("speech units: give the recording to read");
  if (output.empty()) throw UsageError("speech units: -o is required (the units file to write, e.g. units.txt)");
}

std::string format_unit_runs(const std::vector<models::UnitRun>& runs) {
  std::string out;
  for (const models::UnitRun& run : runs)
    out += (out.empty() ? "" : " ") + std::to_string(run.unit) + "x" + std::to_string(run.frames);
  return out;
}

std::vector<models::UnitRun> parse_unit_runs(const std::string& text) {
  std::vector<models::UnitRun> runs;
  std::istringstream in(text);
  for (std::string word; in >> word;) {
    models::UnitRun run;
    char x = 0;
    std::istringstream item(word);
    if (!(item >> run.unit >> x >> run.frames) || x != 'x' || !item.eof() || run.unit < 0 || run.frames < 1)
      throw Error("units: '" + word + "' is not UNITxFRAMES (e.g. 42x3)");
    runs.push_back(run);
  }
  return runs;
}

std::shared_ptr<models::SpeechUnitsImpl> speech_codebook(models::ModelStore& store, const std::string& name) {
  return store.get<models::SpeechUnitsImpl>(name, [](const std::filesystem::path& path) { return models::load_speech_units(path).ptr(); });
}

void check_same_codebook(const CodebookUse& a, const CodebookUse& b) {
  const bool same = a.units == b.units && (a.fingerprint.empty() || b.fingerprint.empty() || a.fingerprint == b.fingerprint);
  if (!same)
    throw Error(a.model + " and " + b.model + " were trained on different unit codebooks (" + std::to_string(a.units) + " units" +
                (a.fingerprint.empty() ? "" : ", " + a.fingerprint) + " and " + std::to_string(b.units) + " units" +
                (b.fingerprint.empty() ? "" : ", " + b.fingerprint) + "): use models trained on the same one");
}

void check_speech_output(const std::filesystem::path& path) {
  if (!media::is_audio_extension(media::lower_extension(path)))
    throw UsageError("-o " + path.string() + ": write .wav, .flac, .ogg or .mp3");
}

torch::Tensor read_mono_samples(const std::filesystem::path& path, int sample_rate) {
  media::Audio audio = media::read_audio(path, sample_rate, 1);
  if (audio.samples.empty()) throw Error(path.string() + ": has no audio samples");
  return torch::from_blob(audio.samples.data(), {int64_t(audio.samples.size())}, torch::kFloat).clone();
}

media::Audio mono_audio(const torch::Tensor& samples, int sample_rate) {
  const torch::Tensor s = samples.to(torch::kFloat).contiguous();
  return {sample_rate, 1, {s.data_ptr<float>(), s.data_ptr<float>() + s.numel()}};
}

void write_speech(const std::filesystem::path& path, const torch::Tensor& samples, int sample_rate, const nlohmann::json& comment,
                  bool overwrite) {
  media::Audio audio = mono_audio(samples, sample_rate);
  // Speech at full scale would clip where the source's peaks line up.
  const float peak = samples.numel() ? samples.abs().max().item<float>() : 0.f;
  if (peak > 0.99f)
    for (float& x : audio.samples) x *= 0.99f / peak;
  media::AudioWriteOptions options;
  options.overwrite = overwrite;
  options.metadata = {{"comment", comment.dump()}};
  media::write_audio(path, audio, options);
}

nlohmann::json speech_units(const SpeechUnitsParams& p, models::ModelStore& store) {
  p.validate();
  check_can_write(p.output, p.overwrite);
  const auto units = speech_codebook(store, p.model);
  const torch::Tensor samples = read_mono_samples(p.input, units->config.features.sample_rate);
  torch::NoGradGuard no_grad;
  const torch::Tensor ids = units->encode(samples);
  const std::vector<int64_t> sequence(ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + ids.numel());
  const std::vector<models::UnitRun> runs = models::deduplicate(sequence);
  write_file_atomic(p.output, format_unit_runs(runs) + "\n", p.overwrite);
  const double seconds = double(samples.numel()) / units->config.features.sample_rate;
  return {{"output", p.output.string()},
          {"frames", sequence.size()},
          {"runs", runs.size()},
          {"seconds", seconds},
          {"units_per_second", double(sequence.size()) / seconds},
          {"deduplicated_units_per_second", double(runs.size()) / seconds}};
}

}  // namespace jl::speech
