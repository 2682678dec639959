#include "training/generator_training.h"

namespace jl::training {

nlohmann::json generator_config_json(nlohmann::json defaults, const nlohmann::json& fixed, const TrainParams& params) {
  for (const auto& [key, value] : fixed.items()) defaults[key] = value;
  for (const auto& [key, value] : params.model_config.items()) defaults[key] = value;
  return defaults;
}

models::CheckpointInfo generator_info(const TrainParams& params, const std::string& model, const nlohmann::json& config,
                                      int image_size, const std::string& representation) {
  models::CheckpointInfo info;
  info.model = model;
  info.config = config;
  info.command = params.command;
  info.dataset = "ShapeWorld v1 renders at " + std::to_string(image_size) + "px, streamed (seed " +
                 std::to_string(params.seed) + "), " + representation + " '" + params.tokenizer +
                 "', captions encoded by '" + params.text_encoder + "'";
  info.extra["tokenizer"] = params.tokenizer;
  info.extra["text_encoder"] = params.text_encoder;
  return info;
}

std::function<nlohmann::json()> holdout_evaluation(const TrainParams& params, GenerateFn generate) {
  const int count = params.eval_count;
  return [count, generate = std::move(generate)] {
    nlohmann::json report = evaluate_holdout(count, 50, generate);
    report.erase("failures");
    return report;
  };
}

}  // namespace jl::training
