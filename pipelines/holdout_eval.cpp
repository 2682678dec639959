#include "pipelines/holdout_eval.h"

#include <chrono>
#include <cstdio>
#include <cmath>
#include <map>

#include "core/error.h"
#include "media_io/image.h"
#include "pipelines/image_generator.h"
#include "pipelines/tokens/generator_models.h"
#include "world/caption.h"
#include "world/holdout.h"
#include "world/judge.h"

namespace jl {

namespace {

struct Tally {
  int passed = 0, total = 0;
  void add(bool pass) {
    passed += pass;
    ++total;
  }
  nlohmann::json json() const {
    return {{"passed", passed}, {"total", total}, {"accuracy", total ? double(passed) / total : 0.0}};
  }
};

}  // namespace

void check_save_dir(const std::filesystem::path& save_dir) {
  if (!save_dir.empty() && std::filesystem::exists(save_dir) && !std::filesystem::is_empty(save_dir))
    throw UsageError("--save-dir " + save_dir.string() + " is not empty: name a new or empty folder");
}

nlohmann::json evaluate_holdout(int count, int batch, const GenerateFn& generate, const Callbacks& callbacks,
                                const std::filesystem::path& save_dir) {
  check_save_dir(save_dir);
  if (!save_dir.empty()) std::filesystem::create_directories(save_dir);
  const auto& holdout = world::holdout_images();
  count = std::max(0, std::min<int>(count, int(holdout.size())));
  batch = std::max(1, batch);
  Tally overall, one, two;
  std::map<std::string, Tally> clauses;
  nlohmann::json failures = nlohmann::json::array();
  const auto started = std::chrono::steady_clock::now();
  for (int start = 0; start < count; start += batch) {
    const int size = std::min(batch, count - start);
    std::vector<std::string> prompts;
    for (int i = start; i < start + size; ++i) prompts.push_back(world::canonical_caption(holdout[size_t(i)]));
    const std::vector<cv::Mat> pictures = generate(prompts, uint64_t(start));
    for (int k = 0; k < size; ++k) {
      const world::SceneSpec& spec = holdout[size_t(start + k)];
      const world::Judgement verdict = world::judge_image(pictures[size_t(k)], spec);
      overall.add(verdict.pass);
      (spec.objects.size() == 1 ? one : two).add(verdict.pass);
      for (const world::Clause& c : verdict.clauses) clauses[c.kind].add(c.pass);
      if (!verdict.pass && failures.size() < 20) failures.push_back(prompts[size_t(k)]);
      if (!save_dir.empty()) {
        char name[32];
        std::snprintf(name, sizeof name, "%03d-%s.png", start + k, verdict.pass ? "pass" : "fail");
        media::write_image(save_dir / name, media::Image{pictures[size_t(k)], {{"parameters", prompts[size_t(k)]}}});
      }
    }
    callbacks.report(start + size, count);
    callbacks.throw_if_cancelled();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  nlohmann::json by_clause = nlohmann::json::object();
  for (const auto& [kind, tally] : clauses) by_clause[kind] = tally.json();
  return {{"count", count},
          {"passed", overall.passed},
          {"accuracy", overall.json()["accuracy"]},
          {"one_object", one.json()},
          {"two_object", two.json()},
          {"clauses", by_clause},
          {"seconds", seconds},
          {"images_per_second", seconds > 0 ? count / seconds : 0.0},
          {"failures", failures}};
}

void HoldoutParams::validate() const {
  if (count < 1) throw UsageError("--count must be at least 1");
  if (batch < 1 || batch > 1000) throw UsageError("--batch must be in 1..1000");
  check_save_dir(save_dir);
  Txt2ImgParams check = generation;
  check.prompt.clear();
  check.validate();
}

nlohmann::json evaluate_txt2img_holdout(const HoldoutParams& params, models::ModelStore& store,
                                        const Callbacks& callbacks) {
  params.validate();
  const Txt2ImgParams& p = params.generation;
  ImageGenerator generator(store, p);
  WatermarkOptions detector = p.watermark;
  if (!params.detect_key.empty()) detector.key = params.detect_key;
  int detected = 0, extreme = 0, scored = 0;
  double z_sum = 0, drawn_z_sum = 0;
  int64_t kept = 0, drawn_count = 0;
  nlohmann::json report = evaluate_holdout(
      params.count, params.batch,
      [&](const std::vector<std::string>& prompts, uint64_t first_seed) {
        std::vector<cv::Mat> pictures = generator.generate(prompts, first_seed);
        if (!detector.enabled()) return pictures;
        const std::vector<std::vector<int64_t>> drawn = generator.drawn_tokens();
        for (size_t i = 0; i < pictures.size(); ++i) {
          const std::vector<int64_t> seen = tokens::tokenize_image(generator.tokenizer(), pictures[i]);
          const WatermarkScore score = score_watermark(seen, detector);
          detected += score.watermarked;
          extreme += std::abs(score.z) >= 4;
          z_sum += score.z;
          ++scored;
          if (i < drawn.size()) {
            drawn_z_sum += score_watermark(drawn[i], detector).z;
            for (size_t k = 0; k < seen.size() && k < drawn[i].size(); ++k) kept += seen[k] == drawn[i][k];
            drawn_count += int64_t(drawn[i].size());
          }
        }
        return pictures;
      },
      callbacks, params.save_dir);
  if (scored)
    report["watermark"] = {{"key_detected", double(detected) / scored},
                           {"abs_z_over_4", double(extreme) / scored},
                           {"mean_z", z_sum / scored}};
  if (drawn_count) {
    report["watermark"]["drawn_mean_z"] = drawn_z_sum / scored;
    report["watermark"]["tokens_kept"] = double(kept) / double(drawn_count);
  }
  report.update(generator.stats());
  return report;
}

}  // namespace jl
