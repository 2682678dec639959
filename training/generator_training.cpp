#include "training/generator_training.h"

#include <torch/torch.h>

#include "core/error.h"

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

void load_related_weights(torch::nn::Module& model, const models::Checkpoint& checkpoint, const std::string& model_name,
                          const nlohmann::json& expected, const std::string& new_prefix, models::CheckpointInfo& info) {
  models::check_model_name(checkpoint, model_name);
  if (checkpoint.info().config != expected)
    throw Error("--init-from: " + checkpoint.path().string() + " has config " + checkpoint.info().config.dump() +
                ", not " + expected.dump() + "; start from the model this one is meant to extend");
  torch::NoGradGuard no_grad;
  for (const auto& item : model.named_parameters()) {
    if (!new_prefix.empty() && item.key().rfind(new_prefix, 0) == 0) continue;
    if (!checkpoint.contains(item.key())) throw Error("--init-from: " + checkpoint.path().string() + " lacks " + item.key());
    item.value().copy_(checkpoint.tensor(item.key()));
  }
  info.extra["initialized_from"] =
      checkpoint.path().filename().string() + " (step " + std::to_string(checkpoint.info().step) + ")";
}

std::pair<torch::Tensor, torch::Tensor> distillation_loss(const torch::Tensor& draft_logits, const torch::Tensor& target_logits,
                                                          double temperature) {
  const torch::Tensor log_q = torch::log_softmax(draft_logits / temperature, -1);
  const torch::Tensor log_p = torch::log_softmax(target_logits / temperature, -1);
  const torch::Tensor p = log_p.exp();
  const torch::Tensor kl = (p * (log_p - log_q)).sum(-1).mean();
  const torch::Tensor overlap = torch::minimum(p, log_q.detach().exp()).sum(-1).mean();
  return {kl, overlap};
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
