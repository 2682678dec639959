#include <memory>
#include <nlohmann/json.hpp>

#include "core/console.h"
#include "core/error.h"
#include "media_io/audio.h"
#include "media_io/image.h"
#include "media_io/media_kind.h"
#include "media_io/video.h"
#include "studio/cli/commands.h"

namespace jl::cli {
namespace {

namespace fs = std::filesystem;

struct ProbeParams {
  std::string input;
  bool count_frames = false;
};

nlohmann::json probe_image(const fs::path& path) {
  const media::Image image = media::read_image(path);
  return {{"kind", "image"}, {"width", image.width()}, {"height", image.height()},
          {"channels", image.channels()}, {"bit_depth", image.bit_depth()}, {"text", image.text}};
}

nlohmann::json probe_video(const fs::path& path, bool count_frames, const Callbacks& cb) {
  media::VideoReader reader(path);
  const media::VideoInfo& info = reader.info();
  nlohmann::json j = {{"kind", "video"},      {"width", info.width},         {"height", info.height},
                      {"fps", info.fps},      {"frames", info.frames},       {"duration", info.duration},
                      {"codec", info.codec},  {"container", info.container}, {"metadata", info.metadata}};
  if (count_frames) {
    cv::Mat frame;
    int64_t n = 0;
    while (reader.read(frame)) cb.report(++n, info.frames);
    j["frames"] = n;
    j["frames_counted"] = true;
  }
  if (info.has_audio)
    j["audio"] = {{"sample_rate", info.audio_sample_rate}, {"channels", info.audio_channels}};
  return j;
}

nlohmann::json probe_audio_file(const fs::path& path) {
  const media::AudioInfo info = media::probe_audio(path);
  return {{"kind", "audio"}, {"sample_rate", info.sample_rate}, {"channels", info.channels},
          {"duration", info.duration}, {"codec", info.codec}, {"container", info.container}};
}

nlohmann::json probe(const ProbeParams& p) {
  const fs::path path = p.input;
  const media::MediaKind kind = media::media_kind(path);
  if (kind == media::MediaKind::Image) return probe_image(path);
  if (kind == media::MediaKind::Audio) return probe_audio_file(path);
  try {
    return probe_video(path, p.count_frames, progress_callbacks("probe"));
  } catch (const Error& video_error) {
    // Not a video: perhaps audio in a container whose extension we do not list.
    try {
      return probe_audio_file(path);
    } catch (const Error&) {
      throw video_error;
    }
  }
}

void print_human(const nlohmann::json& j) {
  for (const auto& [key, value] : j.items()) {
    if (value.is_object() && value.empty()) continue;
    std::printf("%-15s %s\n", key.c_str(), value.is_string() ? value.get<std::string>().c_str() : json_line(value).c_str());
  }
}

}  // namespace

Command add_probe_command(CLI::App& parent, const GlobalOptions& global) {
  auto params = std::make_shared<ProbeParams>();
  Command command;
  command.app = parent.add_subcommand("probe", "Show what a media file holds: size, frames, fps, duration, audio, text");
  command.app->add_option("input", params->input, "Image, video or audio file")->required();
  command.app->add_flag("--count-frames", params->count_frames,
                        "Decode the whole video to count its frames exactly (the header may only estimate)");
  command.run = [params, &global] {
    nlohmann::json j = probe(*params);
    j["file"] = params->input;
    emit_result(j);
    if (!global.json) print_human(j);
  };
  return command;
}

}  // namespace jl::cli
