#include "pipelines/interpolate/interpolate_eval.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <opencv2/core.hpp>

#include "core/error.h"
#include "media_io/image.h"
#include "pipelines/upscale_eval.h"
#include "world/holdout.h"
#include "world/judge.h"
#include "world/random.h"
#include "world/render.h"
#include "world/sampler.h"

namespace jl {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// Adds one drawn frame's scores to a running mean.
void add(InterpolationScore& score, const cv::Mat& drawn, const cv::Mat& real) {
  score.psnr += cv::PSNR(drawn, real);
  score.ssim += luma_scores(drawn, real, 0).ssim;
  ++score.frames;
}

void finish(InterpolationScore& score) {
  if (score.frames) {
    score.psnr /= score.frames;
    score.ssim /= score.frames;
  }
}

// Every odd frame drawn from its even neighbours, as a video of the even frames would be (each pair
// linked to the pairs either side); `drawn` gets the redrawn video (even frames as they are, odd ones
// drawn) when given.
InterpolationScore redraw_odd_frames(const std::vector<cv::Mat>& frames, const FrameInterpolator& interpolator,
                                     std::vector<cv::Mat>* drawn = nullptr) {
  if (frames.size() < 3) throw Error("frame interpolation scoring needs at least 3 frames, got " + std::to_string(frames.size()));
  InterpolationScore score;
  const auto start = Clock::now();
  std::unique_ptr<FramePair> before, current = interpolator.pair(frames[0], frames[2]), after;
  for (size_t i = 0; i + 2 < frames.size(); i += 2) {
    after = i + 4 < frames.size() ? interpolator.pair(frames[i + 2], frames[i + 4]) : nullptr;
    current->set_neighbours(before.get(), after.get(), 1, 1);
    const cv::Mat between = current->at(0.5);
    add(score, between, frames[i + 1]);
    if (drawn) {
      drawn->push_back(frames[i]);
      drawn->push_back(between);
    }
    before = std::move(current);
    current = std::move(after);
  }
  if (drawn) drawn->push_back(frames[(frames.size() - 1) / 2 * 2]);
  score.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  finish(score);
  return score;
}

}  // namespace

InterpolationScore score_interpolation(const std::vector<cv::Mat>& frames, const FrameInterpolator& interpolator) {
  return redraw_odd_frames(frames, interpolator);
}

InterpolationScore score_minterpolate(const std::vector<cv::Mat>& frames, double fps) {
  if (frames.size() < 3) throw Error("frame interpolation scoring needs at least 3 frames, got " + std::to_string(frames.size()));
  const fs::path work = fs::temp_directory_path() / ("jl-minterpolate-" + std::to_string(::getpid()));
  fs::remove_all(work);
  fs::create_directories(work);
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{work};
  int written = 0;
  char name[32];
  for (size_t i = 0; i < frames.size(); i += 2) {
    std::snprintf(name, sizeof name, "in%05d.png", ++written);
    media::write_image(work / name, {frames[i], {}});
  }
  const std::string command = "ffmpeg -nostdin -loglevel error -y -framerate " + std::to_string(fps) + " -i '" +
                              (work / "in%05d.png").string() + "' -vf minterpolate=fps=" + std::to_string(2 * fps) +
                              ":mi_mode=mci '" + (work / "out%05d.png").string() + "'";
  const auto start = Clock::now();
  if (std::system(command.c_str()) != 0)
    throw Error("ffmpeg minterpolate failed (is the ffmpeg program installed? scripts/install-deps.sh): " + command);
  InterpolationScore score;
  score.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  // Output frame i (from 0) is file i + 1. minterpolate stops one frame interval before the last
  // input, so the last in-between is missing: the score covers the ones it drew.
  for (size_t i = 1; i + 1 < frames.size(); i += 2) {
    std::snprintf(name, sizeof name, "out%05d.png", int(i) + 1);
    if (!fs::exists(work / name)) break;
    add(score, media::to_rgb8(media::read_image(work / name)).pixels, frames[i]);
  }
  if (score.frames == 0) throw Error("ffmpeg minterpolate wrote no in-between frames: " + command);
  finish(score);
  return score;
}

WorldInterpolationScore score_on_holdout_videos(const FrameInterpolator& interpolator, int count) {
  const std::vector<world::SceneSpec>& specs = world::holdout_videos();
  count = std::min<int>(count, int(specs.size()));
  WorldInterpolationScore score;
  for (int i = 0; i < count; ++i) {
    world::Rng rng{uint64_t(i)};
    const std::vector<cv::Mat> frames = world::render_video(world::layout_video(specs[size_t(i)], 17, rng), 64);
    std::vector<cv::Mat> drawn;
    const InterpolationScore one = redraw_odd_frames(frames, interpolator, &drawn);
    score.psnr += one.psnr;
    score.ssim += one.ssim;
    score.judge_pass += world::judge_video(drawn, specs[size_t(i)]).pass;
    score.ground_truth_pass += world::judge_video(frames, specs[size_t(i)]).pass;
    ++score.videos;
  }
  if (score.videos) {
    for (double* v : {&score.psnr, &score.ssim, &score.judge_pass, &score.ground_truth_pass}) *v /= score.videos;
  }
  return score;
}

}  // namespace jl
