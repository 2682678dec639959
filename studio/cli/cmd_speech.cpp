#include <memory>

#include "core/console.h"
#include "models/model_store.h"
#include "pipelines/speech/resynth.h"
#include "pipelines/speech/speak.h"
#include "pipelines/speech/speech_units.h"
#include "studio/cli/commands.h"

namespace jl::cli {

Command add_speech_command(CLI::App& parent, const GlobalOptions& global) {
  Command command;
  command.app = parent.add_subcommand("speech", "Speech as discrete units: a recording to its units, back to speech, and continued");
  command.app->require_subcommand(1);

  auto units = std::make_shared<speech::SpeechUnitsParams>();
  CLI::App* u = command.app->add_subcommand(
      "units", "Write a recording's speech units (50 a second) as UNITxFRAMES runs: the de-duplicated units and their durations");
  u->add_option("input", units->input, "A recording (any audio or video FFmpeg reads)")->required();
  u->add_option("-o,--output", units->output, "The units file to write (e.g. units.txt)")->required();
  u->add_option("--model", units->model, "The unit codebook checkpoint (jielong train units)")->capture_default_str();

  auto resynth = std::make_shared<speech::ResynthParams>();
  CLI::App* r = command.app->add_subcommand(
      "resynth", "Speak a recording again through its speech units: audio -> units -> unit vocoder -> audio (the units go in the "
                 "output's comment tag)");
  r->add_option("input", resynth->input, "A recording (any audio or video FFmpeg reads), or a folder of recordings")->required();
  r->add_option("-o,--output", resynth->output, "The audio to write (.wav .flac .ogg .mp3), or a folder for a folder")->required();
  r->add_option("--units", resynth->units, "The unit codebook checkpoint (jielong train units)")->capture_default_str();
  r->add_option("--vocoder", resynth->vocoder, "The unit vocoder checkpoint (jielong train vocoder)")->capture_default_str();
  add_waveform_option(*r, resynth->waveform);
  r->add_option("--seed", resynth->seed, "Seed of the source's noise")->capture_default_str();
  r->add_flag("--from-mel", resynth->from_mel,
              "Skip the units: the recording's own mel (and pitch) through the waveform stage, to hear what that stage alone loses");
  r->add_flag("--from-codebook", resynth->from_codebook,
              "Skip the vocoder: the units' codebook mel through Griffin-Lim, the baseline without a learned vocoder");

  auto continuation = std::make_shared<speech::ContinueParams>();
  CLI::App* c = command.app->add_subcommand(
      "continue", "Continue a recording: its speech units, then more from the unit language model, spoken as one (the units go in "
                  "the output's comment tag)");
  c->add_option("input", continuation->input, "The prompt recording (any audio or video FFmpeg reads)")->required();
  c->add_option("-o,--output", continuation->output, "The audio to write (.wav .flac .ogg .mp3): the prompt, then its continuation")->required();
  c->add_option("--seconds", continuation->seconds, "Seconds of speech after the prompt")->capture_default_str();
  c->add_option("--seed", continuation->seed, "Seed of the units' sampling and the vocoder's noise")->capture_default_str();
  c->add_option("--model", continuation->model, "The unit language model (jielong train unit-lm, or a tts model)")->capture_default_str();
  c->add_option("--units", continuation->units, "The unit codebook checkpoint")->capture_default_str();
  c->add_option("--vocoder", continuation->vocoder, "The unit vocoder checkpoint")->capture_default_str();
  add_unit_sampling_options(*c, continuation->options);
  add_waveform_option(*c, continuation->waveform);

  command.run = [=, &global] {
    models::ModelStore store(global.models_dir);
    if (u->parsed()) {
      units->overwrite = global.overwrite;
      const nlohmann::json result = speech::speech_units(*units, store);
      emit_result(result);
      say("wrote " + std::to_string(result.at("runs").get<size_t>()) + " unit runs (" + std::to_string(result.at("frames").get<size_t>()) +
          " frames, " + std::to_string(result.at("seconds").get<double>()).substr(0, 5) + " s) to " + units->output.string());
      return;
    }
    if (c->parsed()) {
      speech::ContinueParams params = *continuation;
      params.overwrite = global.overwrite;
      const nlohmann::json result = speech::continue_speech(params, store, progress_callbacks("speech continue"));
      emit_result(result);
      say("wrote " + params.output.string() + " (" + std::to_string(result.at("prompt_seconds").get<double>()).substr(0, 4) +
          " s of prompt, then " + std::to_string(result.at("seconds").get<double>() - result.at("prompt_seconds").get<double>()).substr(0, 4) +
          " s more)");
      return;
    }
    speech::ResynthParams params = *resynth;
    params.overwrite = global.overwrite;
    const nlohmann::json result = speech::resynthesize(params, store, progress_callbacks("speech resynth"));
    emit_result(result);
    say("wrote " + params.output.string() + " (" + std::to_string(result.at("seconds").get<double>()).substr(0, 5) +
        " s of speech, real-time factor " + std::to_string(result.at("real_time_factor").get<double>()).substr(0, 5) + ")");
  };
  return command;
}

}  // namespace jl::cli
