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

// Adds one drawn frame's scores (drawn at t = j / factor) to running sums.
void add(InterpolationScore& score, const cv::Mat& drawn, const cv::Mat& real, int j, std::vector<int>& count_at) {
  const double psnr = cv::PSNR(drawn, real);
  score.psnr += psnr;
  score.ssim += luma_scores(drawn, real, 0).ssim;
  ++score.frames;
  score.psnr_at[size_t(j - 1)] += psnr;
  ++count_at[size_t(j - 1)];
}

void finish(InterpolationScore& score, const std::vector<int>& count_at) {
  if (score.frames) {
    score.psnr /= score.frames;
    score.ssim /= score.frames;
  }
  for (size_t j = 0; j < count_at.size(); ++j)
    if (count_at[j]) score.psnr_at[j] /= count_at[j];
}

void check_protocol(size_t frames, int factor) {
  if (factor != 2 && factor != 4 && factor != 8) throw Error("the interpolation protocol's factor must be 2, 4 or 8, got " + std::to_string(factor));
  if (frames < size_t(factor) + 1)
    throw Error("frame interpolation scoring at x" + std::to_string(factor) + " needs at least " + std::to_string(factor + 1) +
                " frames, got " + std::to_string(frames));
}

// Every frame but each factor-th drawn from the kept ones around it, as a video of the kept frames
// would be (each pair linked to the pairs either side); `drawn` gets the redrawn video (kept frames
// as they are, the others drawn) when given.
InterpolationScore redraw_between_kept(const std::vector<cv::Mat>& frames, const FrameInterpolator& interpolator, int factor,
                                       std::vector<cv::Mat>* drawn = nullptr) {
  check_protocol(frames.size(), factor);
  const size_t n = size_t(factor);
  InterpolationScore score;
  score.psnr_at.assign(n - 1, 0.0);
  std::vector<int> count_at(n - 1, 0);
  const auto start = Clock::now();
  std::unique_ptr<FramePair> before, current = interpolator.pair(frames[0], frames[n]), after;
  for (size_t i = 0; i + n < frames.size(); i += n) {
    after = i + 2 * n < frames.size() ? interpolator.pair(frames[i + n], frames[i + 2 * n]) : nullptr;
    current->set_neighbours(before.get(), after.get(), 1, 1);
    if (drawn) drawn->push_back(frames[i]);
    for (size_t j = 1; j < n; ++j) {
      const cv::Mat between = current->at(double(j) / double(n));
      add(score, between, frames[i + j], int(j), count_at);
      if (drawn) drawn->push_back(between);
    }
    before = std::move(current);
    current = std::move(after);
  }
  if (drawn) drawn->push_back(frames[(frames.size() - 1) / n * n]);
  score.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  finish(score, count_at);
  return score;
}

}  // namespace

InterpolationScore score_interpolation(const std::vector<cv::Mat>& frames, const FrameInterpolator& interpolator, int factor) {
  return redraw_between_kept(frames, interpolator, factor);
}

InterpolationScore score_minterpolate(const std::vector<cv::Mat>& frames, double fps, int factor) {
  check_protocol(frames.size(), factor);
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
  for (size_t i = 0; i < frames.size(); i += size_t(factor)) {
    std::snprintf(name, sizeof name, "in%05d.png", ++written);
    media::write_image(work / name, {frames[i], {}});
  }
  const std::string command = "ffmpeg -nostdin -loglevel error -y -framerate " + std::to_string(fps) + " -i '" +
                              (work / "in%05d.png").string() + "' -vf minterpolate=fps=" + std::to_string(factor * fps) +
                              ":mi_mode=mci '" + (work / "out%05d.png").string() + "'";
  const auto start = Clock::now();
  if (std::system(command.c_str()) != 0)
    throw Error("ffmpeg minterpolate failed (is the ffmpeg program installed? scripts/install-deps.sh): " + command);
  InterpolationScore score;
  score.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  score.psnr_at.assign(size_t(factor) - 1, 0.0);
  std::vector<int> count_at(size_t(factor) - 1, 0);
  // Output frame i (from 0) is file i + 1, and stands where frame i of the video stood. minterpolate
  // stops one frame interval before the last input, so the last pair's in-betweens are missing: the
  // score covers the ones it drew.
  const size_t last_kept = (frames.size() - 1) / size_t(factor) * size_t(factor);
  for (size_t i = 1; i < last_kept; ++i) {
    if (i % size_t(factor) == 0) continue;
    std::snprintf(name, sizeof name, "out%05d.png", int(i) + 1);
    if (!fs::exists(work / name)) break;
    add(score, media::to_rgb8(media::read_image(work / name)).pixels, frames[i], int(i % size_t(factor)), count_at);
  }
  if (score.frames == 0) throw Error("ffmpeg minterpolate wrote no in-between frames: " + command);
  finish(score, count_at);
  return score;
}

WorldInterpolationScore score_on_holdout_videos(const FrameInterpolator& interpolator, int count, int factor) {
  const std::vector<world::SceneSpec>& specs = world::holdout_videos();
  count = std::min<int>(count, int(specs.size()));
  WorldInterpolationScore score;
  for (int i = 0; i < count; ++i) {
    world::Rng rng{uint64_t(i)};
    const std::vector<cv::Mat> frames = world::render_video(world::layout_video(specs[size_t(i)], 17, rng), 64);
    std::vector<cv::Mat> drawn;
    const InterpolationScore one = redraw_between_kept(frames, interpolator, factor, &drawn);
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
