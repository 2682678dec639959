#include "pipelines/shapeworld.h"

#include <cstdio>
#include <fstream>
#include <set>

#include "core/atomic_file.h"
#include "core/error.h"
#include "media_io/image.h"
#include "media_io/media_kind.h"
#include "media_io/video.h"
#include "pipelines/listed_files.h"
#include "world/caption.h"
#include "world/judge.h"
#include "world/random.h"
#include "world/render.h"
#include "world/sampler.h"

namespace jl {
namespace {

using media::MediaKind;

void check_size(int size) {
  if (size < 32 || size > 4096) throw UsageError("--size must be between 32 and 4096 pixels (ShapeWorld needs N >= 32)");
}

void check_video(int frames, double fps) {
  if (frames < 2 || frames > 10000) throw UsageError("--frames must be between 2 and 10000");
  if (!(fps > 0) || fps > 1000) throw UsageError("--fps must be between 0 and 1000");
}

// A video's frames, or one image: what the judge reads.
std::vector<cv::Mat> load_frames(const fs::path& file) {
  if (media::media_kind(file) == MediaKind::Image) return {media::to_rgb8(media::read_image(file)).pixels};
  std::vector<cv::Mat> frames = media::read_all_frames(file);
  if (frames.empty()) throw Error(file.string() + ": has no frames");
  return frames;
}

// Renders and encodes one frame at a time (a long, large video never sits in memory whole).
void write_video(const fs::path& out, const world::VideoScene& video, int size, double fps, const std::string& params,
                 bool overwrite) {
  media::VideoWriteOptions options;
  options.fps = fps;
  options.overwrite = overwrite;
  options.metadata["comment"] = params;
  media::VideoWriter writer(out, size, size, options);
  cv::Mat canvas;
  for (const auto& frame : video) {
    world::render_into(frame, size, canvas);
    writer.write(canvas);
  }
  writer.close();
}

std::string format_index(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%05d", i);
  return buf;
}

}  // namespace

void WorldRenderParams::validate() const {
  if (prompt.empty()) throw UsageError("world render: give --prompt");
  if (output.empty()) throw UsageError("world render: give an output file with -o");
  check_size(size);
  check_video(frames, fps);  // checked for image prompts too: a flag given must make sense
}

std::string WorldRenderParams::to_string() const {
  std::string s = prompt + "\nSize: " + std::to_string(size) + ", Seed: " + std::to_string(seed);
  if (world::parse_prompt(prompt).is_video()) {
    char rate[32];
    std::snprintf(rate, sizeof rate, "%g", fps);
    s += ", Frames: " + std::to_string(frames) + ", FPS: " + rate;
  }
  return s + ", Generator: jielong world render";
}

void world_render(const WorldRenderParams& p) {
  p.validate();
  const world::SceneSpec spec = world::parse_prompt(p.prompt);
  const MediaKind kind = media::media_kind(p.output);
  world::Rng rng(p.seed);
  if (spec.is_video()) {
    if (kind != MediaKind::Video && kind != MediaKind::Frames)
      throw UsageError(p.output.string() + ": the prompt describes a video (it has a motion); write .mp4, .webm, .gif or a frame pattern");
    write_video(p.output, world::layout_video(spec, p.frames, rng), p.size, p.fps, p.to_string(), p.overwrite);
  } else {
    if (kind != MediaKind::Image)
      throw UsageError(p.output.string() + ": the prompt describes an image; write .png (or .jpg, .webp, .bmp, .tif)");
    media::Image image{world::render(world::layout(spec, rng), p.size), {{"parameters", p.to_string()}}};
    media::write_image(p.output, image, {100, p.overwrite});
  }
}

void WorldSampleParams::validate() const {
  if (count < 1 || count > 10000000) throw UsageError("--n must be between 1 and 10000000");
  if (out_dir.empty()) throw UsageError("world sample: give --out DIR");
  check_size(size);
  check_video(frames, fps);
}

std::string WorldSampleParams::to_string() const {
  return "world sample --n " + std::to_string(count) + " --size " + std::to_string(size) + " --seed " +
         std::to_string(seed) + (video ? " --video --frames " + std::to_string(frames) : "");
}

int world_sample(const WorldSampleParams& p, const Callbacks& cb) {
  p.validate();
  std::error_code ec;
  fs::create_directories(p.out_dir, ec);
  if (!fs::is_directory(p.out_dir)) throw Error(p.out_dir.string() + ": cannot create the folder: " + ec.message());
  // Refuse before writing anything: a half-replaced dataset is worse than none.
  const std::string media_ext = p.video ? ".mp4" : ".png";
  for (int i = 0; i < p.count && !p.overwrite; ++i)
    for (const char* ext : {media_ext.c_str(), ".txt"})
      check_can_write(p.out_dir / (format_index(i) + ext), false);

  world::Rng rng(p.seed);
  for (int i = 0; i < p.count; ++i) {
    const world::SceneSpec spec = world::sample_spec(rng, {p.video, false});
    const std::string caption = world::caption(spec, rng);
    const fs::path media_path = p.out_dir / (format_index(i) + media_ext);
    if (p.video) {
      write_video(media_path, world::layout_video(spec, p.frames, rng), p.size, p.fps, caption, p.overwrite);
    } else {
      media::write_image(media_path, {world::render(world::layout(spec, rng), p.size), {{"parameters", caption}}},
                         {100, p.overwrite});
    }
    write_file_atomic(p.out_dir / (format_index(i) + ".txt"), caption + "\n", p.overwrite);
    cb.report(i + 1, p.count);
    cb.throw_if_cancelled();
  }
  return p.count;
}

std::vector<std::string> world_captions(int count, uint64_t seed, bool video) {
  if (count < 0 || count > 10'000'000) throw UsageError("--n must be in 0..10000000");
  world::Rng rng(seed);
  std::vector<std::string> captions;
  for (int i = 0; i < count; ++i) captions.push_back(world::caption(world::sample_spec(rng, {video, false}), rng));
  return captions;
}

nlohmann::json judge_file(const std::string& prompt, const fs::path& file) {
  const world::SceneSpec spec = world::parse_prompt(prompt);
  const std::vector<cv::Mat> frames = load_frames(file);
  nlohmann::json j;
  try {
    j = world::to_json(world::judge(frames, spec));
  } catch (const Error& e) {  // e.g. a video judged against an image prompt: say which file
    throw Error(file.string() + ": " + e.what());
  }
  j["prompt"] = prompt;
  j["file"] = file.string();
  return j;
}

void EvalParams::validate() const {
  if (prompts.empty()) throw UsageError("eval: give --prompts FILE");
  if (inputs.empty()) throw UsageError("eval: give --inputs DIR");
}

nlohmann::json evaluate(const EvalParams& p, const Callbacks& cb) {
  p.validate();
  // Every prompt is checked before anything is judged.
  const std::vector<ListedFile> items =
      pair_list_with_files(p.prompts, p.inputs, [](const std::string& prompt) { world::parse_prompt(prompt); });

  std::map<std::string, std::pair<int, int>> clauses;  // kind -> (passed, total)
  nlohmann::json failures = nlohmann::json::array();
  int passed = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    const ListedFile& item = items[i];
    nlohmann::json failure = {{"index", i}, {"prompt", item.text}};
    if (item.file.empty()) {
      failure["error"] = "no file with stem " + item.stem + " in " + p.inputs.string();
      failures.push_back(failure);
    } else {
      try {
        const nlohmann::json j = judge_file(item.text, item.file);
        for (const auto& c : j.at("clauses")) {
          auto& [ok, total] = clauses[c.at("kind").get<std::string>()];
          ok += c.at("pass").get<bool>();
          ++total;
        }
        if (j.at("pass").get<bool>()) {
          ++passed;
        } else {
          failure["file"] = item.file.string();
          nlohmann::json failed = nlohmann::json::array();
          for (const auto& c : j.at("clauses"))
            if (!c.at("pass").get<bool>()) failed.push_back(c);
          failure["failed"] = failed;
          failures.push_back(failure);
        }
      } catch (const std::exception& e) {  // one unreadable file is that item's failure, not the run's
        failure["file"] = item.file.string();
        failure["error"] = e.what();
        failures.push_back(failure);
      }
    }
    cb.report(int64_t(i) + 1, int64_t(items.size()));
    cb.throw_if_cancelled();
  }
  nlohmann::json per_clause = nlohmann::json::object();
  for (const auto& [kind, counts] : clauses)
    per_clause[kind] = {{"passed", counts.first}, {"total", counts.second},
                        {"accuracy", counts.second ? double(counts.first) / counts.second : 0.0}};
  return {{"prompts", items.size()}, {"passed", passed}, {"accuracy", double(passed) / items.size()},
          {"clauses", per_clause}, {"failures", failures}};
}

}  // namespace jl
