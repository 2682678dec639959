#include <map>
#include <memory>
#include <string>

#include "core/console.h"
#include "models/model_store.h"
#include "pipelines/speech/resynth.h"
#include "pipelines/speech/speak.h"
#include "studio/cli/commands.h"

namespace jl::cli {

void add_unit_sampling_options(CLI::App& app, speech::UnitSampling& options) {
  app.add_option("--temperature", options.sampling.temperature, "Sampling temperature of the units (0: the most likely)")
      ->check(CLI::Range(0.0, 10.0))
      ->capture_default_str();
  app.add_option("--top-k", options.sampling.top_k, "Keep the k most likely units (0: all)")->check(CLI::Range(0, 65536))->capture_default_str();
  app.add_option("--top-p", options.sampling.top_p, "Keep the smallest set of units reaching this probability")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
}

void add_waveform_option(CLI::App& app, speech::Waveform& waveform) {
  std::map<std::string, speech::Waveform> names;
  for (const speech::Waveform w : {speech::Waveform::SourceFilter, speech::Waveform::GriffinLim}) names[speech::waveform_name(w)] = w;
  app.add_option("--waveform", waveform,
                 "The vocoder's last stage: source-filter (its harmonic-plus-noise source, refined by Griffin-Lim from its phases) or "
                 "griffin-lim (Griffin-Lim alone on its mel)")
      ->transform(CLI::CheckedTransformer(names))
      ->default_str(speech::waveform_name(waveform));
}

Command add_speak_command(CLI::App& parent, const GlobalOptions& global) {
  auto params = std::make_shared<speech::SpeakParams>();
  Command command;
  command.app = parent.add_subcommand("speak", "Text to speech: the text's phonemes to speech units (one at a time) to audio");
  command.app->add_option("--text", params->text, "What to say (English words of CMUdict, punctuation; numbers spelt out)")->required();
  command.app->add_option("-o,--output", params->output, "The audio to write (.wav .flac .ogg .mp3)")->required();
  command.app->add_option("--seed", params->seed, "Seed of the units' sampling and the vocoder's noise")->capture_default_str();
  command.app->add_option("--speed", params->options.speed, "Speaking rate (durations divided by it), 0.25..4")->capture_default_str();
  command.app->add_option("--model", params->model, "The text-to-speech checkpoint (jielong train tts)")->capture_default_str();
  command.app->add_option("--vocoder", params->vocoder, "The unit vocoder checkpoint (jielong train vocoder)")->capture_default_str();
  command.app->add_option("--draft", params->draft,
                          "A smaller speech transformer (same codebook) for speculative decoding: the same speech, fewer passes of --model");
  command.app->add_option("--gamma", params->options.gamma, "Speculative decoding: units the draft proposes at a time")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  add_unit_sampling_options(*command.app, params->options);
  add_waveform_option(*command.app, params->waveform);
  command.run = [params, &global] {
    speech::SpeakParams p = *params;
    p.overwrite = global.overwrite;
    models::ModelStore store(global.models_dir);
    const nlohmann::json r = speech::speak(p, store, progress_callbacks("speak"));
    emit_result(r);
    say("wrote " + p.output.string() + " (" + std::to_string(r.at("seconds").get<double>()).substr(0, 5) + " s of speech, real-time factor " +
        std::to_string(r.at("real_time_factor").get<double>()).substr(0, 5) +
        (r.contains("acceptance_rate") ? ", draft units accepted " + std::to_string(int(100 * r.at("acceptance_rate").get<double>())) + "%" : "") +
        ")");
  };
  return command;
}

}  // namespace jl::cli
