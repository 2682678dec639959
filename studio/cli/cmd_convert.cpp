#include <memory>
#include <nlohmann/json.hpp>

#include "core/console.h"
#include "pipelines/convert.h"
#include "studio/cli/commands.h"

namespace jl::cli {
namespace {

void report(const ConvertResult& r) {
  nlohmann::json j = {{"kind", r.kind}, {"output", r.output.string()}};
  std::string line = "wrote " + r.output.string() + " (";
  if (r.width > 0) {
    j["width"] = r.width;
    j["height"] = r.height;
    line += std::to_string(r.width) + "x" + std::to_string(r.height);
  }
  if (r.kind == "video" || r.kind == "frames") {
    j["frames"] = r.frames;
    j["fps"] = r.fps;
    char buf[64];
    std::snprintf(buf, sizeof buf, ", %lld frames at %.3g fps", static_cast<long long>(r.frames), r.fps);
    line += buf;
  }
  if (r.audio_samples > 0) {
    j["audio_samples"] = r.audio_samples;
    j["sample_rate"] = r.sample_rate;
    j["channels"] = r.channels;
    if (r.kind != "audio") line += ", ";
    line += std::to_string(r.audio_samples) + " samples at " + std::to_string(r.sample_rate) + " Hz x " +
            std::to_string(r.channels);
  }
  j["seconds"] = r.seconds;
  emit_result(j);
  say(line + ")");
}

}  // namespace

void add_convert_options(CLI::App& app, ConvertParams& params, std::vector<std::string>& inputs) {
  app.add_option("inputs", inputs,
                 "Input file; or, for frames -> video, a folder of images, a pattern like frame_%05d.png "
                 "or several image files")
      ->required();
  app.add_option("-o,--output", params.output,
                 "Output file (.png .jpg .webp .bmp .tif .mp4 .webm .mkv .mov .gif .wav .flac .ogg .opus "
                 ".mp3) or frame pattern (dir/frame_%05d.png)")
      ->required();
  app.add_option("--width", params.width, "Output width in pixels (alone: keep the aspect ratio)");
  app.add_option("--height", params.height, "Output height in pixels (alone: keep the aspect ratio)");
  app.add_option("--fps", params.fps, "Output frame rate (default: the source's; 24 for image sequences)");
  app.add_option("--start", params.start, "Start at this time in seconds (the frame there, for video -> image)");
  app.add_option("--duration", params.duration, "Keep this many seconds");
  app.add_option("--crf", params.crf, "Video quality: lower is better (H.264 default 23, VP9 32)");
  app.add_option("--quality", params.quality, "JPEG/WebP quality 1..100 (101: lossless WebP)");
  app.add_option("--audio", params.audio, "Use the audio of this file as the output's audio track");
  app.add_flag("--no-audio", params.no_audio, "Drop the audio track");
  app.add_option("--sample-rate", params.sample_rate, "Audio sample rate in Hz (default: keep)");
  app.add_option("--channels", params.channels, "Audio channels (default: keep)");
  app.add_flag("--wav-float", params.wav_float, "Write WAV as 32-bit float instead of 16-bit");
  app.add_option("--bitrate", params.bitrate_kbps, "Lossy audio bitrate in kbit/s (default: the codec's)");
}

Command add_convert_command(CLI::App& parent, const GlobalOptions& global) {
  auto params = std::make_shared<ConvertParams>();
  Command command;
  CLI::App* app = parent.add_subcommand(
      "convert",
      "Convert images, video and audio: re-encode, resize, change fps, trim, extract frames, frames to "
      "video, add or strip audio. The kinds follow the file names (see docs/cli.md).");
  command.app = app;
  auto inputs_store = std::make_shared<std::vector<std::string>>();
  add_convert_options(*app, *params, *inputs_store);

  command.run = [params, inputs_store, &global] {
    params->inputs.assign(inputs_store->begin(), inputs_store->end());
    params->overwrite = global.overwrite;
    params->validate();
    const ConvertResult result = convert(*params, progress_callbacks("convert"));
    report(result);
  };
  return command;
}

}  // namespace jl::cli
