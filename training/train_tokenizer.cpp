// `jielong train tokenizer`: the patch tokenizer on streamed ShapeWorld renders.
//
// The loss weights pixels near edges five times more than flat areas and adds an image-gradient
// term: a blurred star costs little in plain MSE but fails the judge (DESIGN.md's measured naive try
// kept only 25% of shapes at 27 dB), so the loss spends its effort where shapes are decided.
// --decoder-only fine-tunes the decoder of a trained tokenizer: its tokens stay what they were, so it
// can keep improving while generators learn those tokens.
#include "models/patch_tokenizer.h"
#include "pipelines/tokenizer_eval.h"
#include "training/trainers.h"
#include "training/training_run.h"
#include "world/dataset.h"

namespace jl::training {

namespace F = torch::nn::functional;

namespace {

// 0 in flat areas, up to 1 across an edge: the local (3x3) range of the target, averaged over RGB.
torch::Tensor edge_map(const torch::Tensor& target) {
  const auto pool = F::MaxPool2dFuncOptions(3).stride(1).padding(1);
  const torch::Tensor range = F::max_pool2d(target, pool) + F::max_pool2d(-target, pool);
  return range.mean(1, true).div(2).clamp(0, 1);
}

torch::Tensor gradient_loss(const torch::Tensor& output, const torch::Tensor& target) {
  auto dx = [](const torch::Tensor& t) { return t.slice(3, 1) - t.slice(3, 0, -1); };
  auto dy = [](const torch::Tensor& t) { return t.slice(2, 1) - t.slice(2, 0, -1); };
  return (dx(output) - dx(target)).abs().mean() + (dy(output) - dy(target)).abs().mean();
}

}  // namespace

nlohmann::json train_tokenizer(const TrainParams& params, const Callbacks& callbacks) {
  const auto config = config_with_overrides<models::PatchTokenizerConfig>(params.model_config);
  torch::manual_seed(params.seed);
  models::PatchTokenizer model(config);
  const auto trained = params.decoder_only ? model->decoder->parameters() : model->parameters();
  torch::optim::Adam optimizer(trained, torch::optim::AdamOptions(params.lr).betas({0.9, 0.99}));

  models::CheckpointInfo info;
  info.model = models::kPatchTokenizerModel;
  info.config = config;
  info.command = params.command;
  info.dataset = "ShapeWorld v1 renders at " + std::to_string(config.image_size) + "x" +
                 std::to_string(config.image_size) + ", streamed (seed " + std::to_string(params.seed) + ")";
  TrainingRun run(params, *model, optimizer, info, callbacks);
  run.half_checkpoint = true;  // an 8x8-token tokenizer's deep levels pass the 25 MB cap in float32
  run.evaluate = [&] { return evaluate_tokenizer(*model, params.eval_count); };

  world::DatasetOptions data;
  data.size = config.image_size;
  data.batch = params.batch;
  data.seed = params.seed;
  data.first_batch = uint64_t(run.step());
  world::ShapeWorldStream stream(data);

  while (!run.done()) {
    const torch::Tensor target = models::to_unit_range(stream.next().images);
    run.schedule_learning_rate();
    models::PatchTokenizerImpl::Output out;
    if (params.decoder_only) {  // the tokens as they are (no codebook update), the decoder learning
      {
        torch::NoGradGuard no_grad;
        out.indices = model->encode(target);
      }
      out.reconstruction = model->decoder->forward(model->quantizer->lookup(out.indices));
      out.commitment_loss = torch::zeros({});
    } else {
      out = model->forward(target);
    }
    const torch::Tensor weight = 1 + 4 * edge_map(target);
    const torch::Tensor error = out.reconstruction - target;
    const torch::Tensor pixel = (weight * error.abs()).mean() + error.square().mean();
    const torch::Tensor gradient = gradient_loss(out.reconstruction, target);
    const torch::Tensor loss = pixel + gradient + config.commitment * out.commitment_loss;
    optimizer.zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
    optimizer.step();

    const auto usage = models::codebook_usage(out.indices, config.codebook_size);
    run.finish_step({{"loss", loss.item<double>()},
                     {"pixel", pixel.item<double>()},
                     {"gradient", gradient.item<double>()},
                     {"commitment", out.commitment_loss.item<double>()},
                     {"codes_in_batch", double(usage.used)},
                     {"restarts", double(model->quantizer->restarted())}});
  }
  return run.last_eval();
}

}  // namespace jl::training
