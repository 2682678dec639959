#include "pipelines/speech/speech_units.h"

#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "media_io/audio.h"
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

torch::Tensor read_mono_samples(const std::filesystem::path& path, int sample_rate) {
  media::Audio audio = media::read_audio(path, sample_rate, 1);
  if (audio.samples.empty()) throw Error(path.string() + ": has no audio samples");
  return torch::from_blob(audio.samples.data(), {int64_t(audio.samples.size())}, torch::kFloat).clone();
}

nlohmann::json speech_units(const SpeechUnitsParams& p, models::ModelStore& store) {
  p.validate();
  check_can_write(p.output, p.overwrite);
  const auto units = store.get<models::SpeechUnitsImpl>(
      p.model, [](const std::filesystem::path& path) { return models::load_speech_units(path).ptr(); });
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
