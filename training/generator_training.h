// What the trainers of the generators (ar, ar-draft, maskgit, diffusion) share: a model config made
// of the task's defaults, the shapes the frozen tokenizer and text encoder dictate, and the user's
// --model-config on top; checkpoint metadata naming those frozen models; the evaluation at each
// checkpoint (holdout prompts drawn by the model being trained, judged); and the draft's
// distillation loss (here to be tested on its own).
#pragma once

#include <torch/torch.h>

#include <functional>
#include <utility>
#include <nlohmann/json.hpp>
#include <string>

#include "models/checkpoint.h"
#include "pipelines/holdout_eval.h"
#include "training/train.h"

namespace jl::training {

// `defaults` with `fixed` (the frozen models' shapes) and then params.model_config applied.
nlohmann::json generator_config_json(nlohmann::json defaults, const nlohmann::json& fixed, const TrainParams& params);

// Metadata of a generator trained on `image_size` px ShapeWorld scenes seen through the frozen
// tokenizer (`representation`: e.g. "tokenized by") and text encoder.
models::CheckpointInfo generator_info(const TrainParams& params, const std::string& model, const nlohmann::json& config,
                                      int image_size, const std::string& representation);

// --init-from a related form of the model, which TrainingRun's --init-from (same config only) refuses:
// the text-to-image denoiser for an inpainting one, the autoregressive transformer for MaskGIT.
// `checkpoint` must be a `model_name` with config `expected`; every tensor of `model` comes from it
// except those under `new_prefix` (inputs the related form lacks, left as initialised). Records the
// source in info.extra["initialized_from"]; the caller then clears params.init_from.
void load_related_weights(torch::nn::Module& model, const models::Checkpoint& checkpoint, const std::string& model_name,
                          const nlohmann::json& expected, const std::string& new_prefix, models::CheckpointInfo& info);

// A draft's loss against its target's logits, both [.., V]: KL(target || draft) per position, both
// sharpened by the sampling `temperature` (so that the draft spends its small capacity on the tokens
// the target actually draws), and the probability the two share (sum of min(p, q): the chance the
// target accepts a proposal, guidance aside).
std::pair<torch::Tensor, torch::Tensor> distillation_loss(const torch::Tensor& draft_logits, const torch::Tensor& target_logits,
                                                          double temperature);

// The evaluation TrainingRun runs at each checkpoint: params.eval_count holdout prompts, judged.
std::function<nlohmann::json()> holdout_evaluation(const TrainParams& params, GenerateFn generate);

}  // namespace jl::training
