#include "studio/gui/generate_panel.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <chrono>
#include <cstdio>
#include <random>

#include "pipelines/samplers/sampler.h"
#include "pipelines/txt2img.h"
#include "pipelines/upscale.h"
#include "world/caption.h"

namespace jl::gui {

namespace {

// The method combo: AR with a draft model is its own entry, as users think of it.
const char* const kMethodLabels[] = {"AR", "AR + speculative", "MaskGIT", "Diffusion"};
constexpr const char* kDraftModel = "ar_draft";

int method_index(const StudioSettings& s) {
  switch (s.generation.method) {
    case Txt2ImgMethod::Ar: return s.speculative ? 1 : 0;
    case Txt2ImgMethod::MaskGit: return 2;
    case Txt2ImgMethod::Diffusion: return 3;
  }
  return 2;
}

void set_method(StudioSettings& s, int index) {
  static const Txt2ImgMethod methods[] = {Txt2ImgMethod::Ar, Txt2ImgMethod::Ar, Txt2ImgMethod::MaskGit, Txt2ImgMethod::Diffusion};
  s.generation.method = methods[index];
  s.speculative = index == 1;
}

bool combo_of(const char* label, std::string& value, const std::vector<std::string>& names) {
  bool changed = false;
  if (ImGui::BeginCombo(label, value.c_str())) {
    for (const std::string& name : names)
      if (ImGui::Selectable(name.c_str(), name == value)) value = name, changed = true;
    ImGui::EndCombo();
  }
  return changed;
}

}  // namespace

uint64_t random_seed() {
  static uint64_t counter = 0;
  std::seed_seq seq{uint64_t(std::chrono::steady_clock::now().time_since_epoch().count()), ++counter};
  std::mt19937_64 rng(seq);
  return rng() % 4294967296ULL;  // 32 bits: short enough to read and type
}

void draw_job_progress(const Worker::Status& status, const char* label) {
  char text[128];
  if (!status.busy) {
    ImGui::ProgressBar(0, ImVec2(-1, 0), "idle");
    return;
  }
  const float fraction = status.total > 0 ? float(status.step) / float(status.total) : 0.0f;
  if (status.eta >= 0)
    std::snprintf(text, sizeof text, "%s %lld/%lld, %.1f s left", label, (long long)status.step, (long long)status.total, status.eta);
  else
    std::snprintf(text, sizeof text, "%s: starting (%.1f s)", label, status.elapsed);
  ImGui::ProgressBar(fraction, ImVec2(-1, 0), text);
}

void GeneratePanel::check_prompts() {
  const Txt2ImgParams& g = ctx_.settings.generation;
  const std::string key = g.prompt + "\n" + g.negative_prompt;
  if (key == checked_) return;
  checked_ = key;
  prompt_error_.clear();
  try {
    if (!g.prompt.empty()) world::parse_prompt(g.prompt);
    if (!g.negative_prompt.empty()) world::parse_prompt(g.negative_prompt);
  } catch (const std::exception& e) {
    prompt_error_ = e.what();
  }
}

void GeneratePanel::reuse(const Txt2ImgParams& params) {
  StudioSettings& s = ctx_.settings;
  s.generation = params;
  s.generation.count = 1;
  s.speculative = !params.draft.empty();
  s.random_seed = false;  // reusing means the same picture
  ctx_.info("parameters reused (seed " + std::to_string(params.seed) + ")");
}

void GeneratePanel::generate() {
  if (const std::string busy = ctx_.busy_message(); !busy.empty()) return ctx_.error(busy);
  StudioSettings& s = ctx_.settings;
  Txt2ImgParams params = s.generation;
  params.draft = s.speculative && params.method == Txt2ImgMethod::Ar ? kDraftModel : "";
  if (s.random_seed) params.seed = random_seed();
  try {
    params.validate();
  } catch (const std::exception& e) {
    ctx_.error(e.what());
    return;
  }
  last_seed_ = params.seed;
  has_last_seed_ = true;
  StudioContext& ctx = ctx_;
  models::ModelStore& store = ctx_.store;
  ctx_.worker.start("Generate", [&ctx, &store, params](const Callbacks& callbacks) -> std::function<void()> {
    Txt2ImgResult result = txt2img(params, store, callbacks);
    return [&ctx, result] {
      // Newest first in the gallery; the first picture of the batch opens on the canvas.
      for (size_t i = result.images.size(); i-- > 0;) ctx.gallery.add(result.images[i].rgb, result.images[i].parameters, "txt2img");
      if (!result.images.empty())
        ctx.document.set_picture(result.images[0].rgb, "generate", result.images[0].parameters);
    };
  });
  ctx_.info("generating " + std::to_string(params.count) + " picture(s), seed " + std::to_string(params.seed));
}

void GeneratePanel::draw() {
  StudioSettings& s = ctx_.settings;
  Txt2ImgParams& g = s.generation;
  const Worker::Status status = ctx_.worker.status();

  ImGui::TextUnformatted("Prompt");
  ImGui::SetNextItemWidth(-1);
  ImGui::InputText("##prompt", &g.prompt);
  ctx_.mark("prompt");
  ImGui::TextUnformatted("Negative prompt");
  ImGui::SetNextItemWidth(-1);
  ImGui::InputText("##negative", &g.negative_prompt);
  ctx_.mark("negative_prompt");
  check_prompts();
  if (!prompt_error_.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.45f, 0.4f, 1.0f));
    ImGui::TextWrapped("%s", prompt_error_.c_str());
    ImGui::PopStyleColor();
  }
  if (ImGui::TreeNode("Words the models know")) {
    std::string words;
    for (const std::string& w : world::vocabulary()) words += w + " ";
    ImGui::TextWrapped("%s", words.c_str());
    ImGui::TextWrapped("e.g. \"two small green triangles on a black background\", \"a red circle left of a blue square\"");
    ImGui::TreePop();
  }
  ImGui::Separator();

  const int method = method_index(s);
  ImGui::SetNextItemWidth(-90);
  if (ImGui::BeginCombo("Method", kMethodLabels[method])) {
    for (int i = 0; i < IM_ARRAYSIZE(kMethodLabels); ++i) {
      if (ImGui::Selectable(kMethodLabels[i], i == method)) set_method(s, i);
      ctx_.mark("method_" + std::to_string(i));
    }
    ImGui::EndCombo();
  }
  ctx_.mark("method");
  const bool diffusion = g.method == Txt2ImgMethod::Diffusion;
  if (diffusion) {
    std::string sampler = samplers::name_of(g.sampler);
    ImGui::SetNextItemWidth(-90);
    if (combo_of("Sampler", sampler, samplers::sampler_names())) g.sampler = samplers::parse_sampler(sampler);
  }
  if (g.method != Txt2ImgMethod::Ar) {
    int steps = g.step_count();
    ImGui::SetNextItemWidth(-90);
    if (ImGui::SliderInt("Steps", &steps, 1, diffusion ? 100 : 32)) g.steps = steps;
    ctx_.mark("steps");
  }
  float cfg = float(g.guidance());
  ImGui::SetNextItemWidth(-90);
  if (ImGui::SliderFloat("CFG scale", &cfg, 1.0f, 10.0f, "%.1f")) g.cfg_scale = double(cfg);
  if (!diffusion) {
    float temperature = float(g.sampling_temperature());
    ImGui::SetNextItemWidth(-90);
    if (ImGui::SliderFloat("Temperature", &temperature, 0.0f, 2.0f, "%.2f")) g.temperature = double(temperature);
  }

  ImGui::Checkbox("Random seed", &s.random_seed);
  ctx_.mark("random_seed");
  ImGui::SameLine();
  ImGui::BeginDisabled(s.random_seed);
  ImGui::SetNextItemWidth(-1);
  ImGui::InputScalar("##seed", ImGuiDataType_U64, &g.seed);
  ctx_.mark("seed");
  ImGui::EndDisabled();
  if (has_last_seed_) {
    ImGui::Text("Last seed: %llu", (unsigned long long)last_seed_);
    ImGui::SameLine();
    if (ImGui::SmallButton("Keep")) g.seed = last_seed_, s.random_seed = false;
  }
  ImGui::SetNextItemWidth(-90);
  ImGui::SliderInt("Batch count", &g.count, 1, 16);
  ctx_.mark("batch_count");

  static const int kFactors[] = {1, 2, 3, 4, 8};
  static const char* const kFactorLabels[] = {"1x (64 px)", "2x", "3x", "4x", "8x"};
  int factor = 0;
  for (int i = 0; i < 5; ++i)
    if (kFactors[i] == g.upscale) factor = i;
  ImGui::SetNextItemWidth(-90);
  if (ImGui::Combo("Upscale", &factor, kFactorLabels, 5)) g.upscale = kFactors[factor];
  if (g.upscale != 1) {
    ImGui::SetNextItemWidth(-90);
    combo_of("Upscaler", g.upscaler, upscaler_names());
    try {
      check_upscaler(g.upscaler, g.upscale);
    } catch (const std::exception& e) {
      ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", e.what());
    }
  }
  ImGui::Separator();

  const bool running = status.busy;
  ImGui::BeginDisabled(running || !prompt_error_.empty());
  if (ImGui::Button("Generate (Ctrl+Enter)", ImVec2(ImGui::GetContentRegionAvail().x * 0.62f, 32))) generate();
  ctx_.mark("generate");
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::BeginDisabled(!running);
  if (ImGui::Button("Cancel (Esc)", ImVec2(-1, 32))) ctx_.worker.cancel();
  ctx_.mark("cancel");
  ImGui::EndDisabled();
  draw_job_progress(status, status.label.c_str());
}

}  // namespace jl::gui
