#include "pipelines/inpaint_eval.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "core/error.h"
#include "media_io/image.h"
#include "pipelines/holdout_eval.h"
#include "world/caption.h"
#include "world/holdout.h"
#include "world/judge.h"
#include "world/random.h"
#include "world/render.h"
#include "world/sampler.h"

namespace jl {

namespace {

constexpr int kMaskMargin = 2;  // px around the object's box: anti-aliased edges belong to it

double psnr_outside(const cv::Mat& a, const cv::Mat& b, const cv::Mat& mask) {
  cv::Mat diff;
  cv::absdiff(a, b, diff);
  diff.convertTo(diff, CV_64FC3);
  diff = diff.mul(diff);
  const cv::Scalar sum = cv::sum(diff.setTo(cv::Scalar::all(0), mask));
  const double pixels = double(a.total() - size_t(cv::countNonZero(mask))) * 3;
  const double mse = (sum[0] + sum[1] + sum[2]) / std::max(1.0, pixels);
  return mse <= 0 ? 100.0 : std::min(100.0, 10 * std::log10(255.0 * 255.0 / mse));
}

}  // namespace

InpaintCase inpaint_case(int index, int side) {
  const world::SceneSpec& original = world::holdout_images().at(size_t(index));
  world::Rng rng{uint64_t(index)};
  const world::Scene scene = world::layout(original, rng);
  InpaintCase out;
  out.picture = world::render(scene, side);

  // Replace object k (alternating in two-object scenes) with a new color and shape, never the other
  // object's pair; its size word (if any) stays, and so does its box.
  const size_t k = size_t(index) % original.objects.size();
  out.spec = original;
  world::ObjectSpec& replaced = out.spec.objects[k];
  world::Rng choose(uint64_t(index) * 7919 + 1);
  do {
    replaced.color = static_cast<world::Color>(choose.below(world::kColors));
    replaced.shape = static_cast<world::Shape>(choose.below(world::kShapes));
  } while (replaced.color == original.objects[k].color || replaced.shape == original.objects[k].shape ||
           (original.objects.size() == 2 && replaced.color == original.objects[1 - k].color &&
            replaced.shape == original.objects[1 - k].shape));

  const world::PlacedObject& object = scene.objects[k];
  const double half = object.extent * side / 2 + kMaskMargin;
  const cv::Point2d centre(object.cx * side, object.cy * side);
  out.mask = cv::Mat::zeros(side, side, CV_8UC1);
  cv::rectangle(out.mask, cv::Point(int(std::floor(centre.x - half)), int(std::floor(centre.y - half))),
                cv::Point(int(std::ceil(centre.x + half)), int(std::ceil(centre.y + half))), cv::Scalar(255), cv::FILLED);
  return out;
}

void InpaintEvalParams::validate() const {
  if (count < 1) throw UsageError("--count must be at least 1");
  if (inpaint.outpainting()) throw UsageError("holdout inpaint: --outpaint does not apply");
  InpaintParams check = inpaint;
  check.image = "holdout";
  check.mask = "holdout";
  check.generation.prompt.clear();
  check.validate();
  check_save_dir(save_dir);
}

nlohmann::json evaluate_inpaint_holdout(const InpaintEvalParams& params, models::ModelStore& store,
                                        const Callbacks& callbacks) {
  params.validate();
  const int count = std::min<int>(params.count, int(world::holdout_images().size()));
  int passed = 0, one_passed = 0, one_total = 0, two_passed = 0, two_total = 0;
  double psnr_sum = 0, psnr_min = 100;
  nlohmann::json failures = nlohmann::json::array();
  if (!params.save_dir.empty()) std::filesystem::create_directories(params.save_dir);
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < count; ++i) {
    callbacks.throw_if_cancelled();
    const InpaintCase edit = inpaint_case(i, 64);
    InpaintParams p = params.inpaint;
    p.generation.prompt = world::canonical_caption(edit.spec);
    p.generation.seed = uint64_t(i);
    p.generation.count = 1;
    const cv::Mat result = inpaint_picture(edit.picture, edit.mask, p, store)[0];
    const bool pass = world::judge_image(result, edit.spec).pass;
    passed += pass;
    (edit.spec.objects.size() == 1 ? one_passed : two_passed) += pass;
    ++(edit.spec.objects.size() == 1 ? one_total : two_total);
    if (!pass && failures.size() < 20) failures.push_back(p.generation.prompt);
    if (!params.save_dir.empty()) {
      char stem[16];
      std::snprintf(stem, sizeof stem, "%03d-", i);
      const std::filesystem::path base = params.save_dir / stem;
      media::write_image(base.string() + "before.png", media::Image{edit.picture, {}});
      media::write_image(base.string() + "mask.png", media::Image{edit.mask, {}});
      media::write_image(base.string() + (pass ? "after-pass.png" : "after-fail.png"), media::Image{result, {{"parameters", p.generation.prompt}}});
    }
    const double psnr = psnr_outside(result, edit.picture, edit.mask);
    psnr_sum += psnr;
    psnr_min = std::min(psnr_min, psnr);
    callbacks.report(i + 1, count);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto tally = [](int p, int t) { return nlohmann::json{{"passed", p}, {"total", t}, {"accuracy", t ? double(p) / t : 0.0}}; };
  return {{"count", count},
          {"passed", passed},
          {"accuracy", count ? double(passed) / count : 0.0},
          {"one_object", tally(one_passed, one_total)},
          {"two_object", tally(two_passed, two_total)},
          {"psnr_outside_mask", count ? psnr_sum / count : 0.0},
          {"min_psnr_outside_mask", psnr_min},
          {"seconds", seconds},
          {"images_per_second", seconds > 0 ? count / seconds : 0.0},
          {"failures", failures}};
}

}  // namespace jl
