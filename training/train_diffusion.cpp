// `jielong train diffusion`: the UNet denoiser in the frozen tokenizer's latent space, conditioned on
// the frozen text encoder's features. Each step renders fresh scenes, turns them into latents (code
// vectors x latent_scale), noises them at a uniformly drawn training time and regresses the
// velocity v = a eps - b x0, weighted by min(SNR, 5) / (SNR + 1) (Min-SNR weighting, Hang et al. 2023:
// the high-SNR steps that fix the last details stop dominating the loss, which speeds training up
// several times; --snr-floor also lifts the noisiest steps' weight). 10% of the captions are dropped to the null prompt for classifier-free guidance.
// At each checkpoint the averaged weights draw the first holdout prompts with the default sampler and
// the world judge scores them.
//
// `jielong train diffusion-inpaint` makes the inpainting denoiser the same way: each scene also gets a
// hole (training/inpainting_masks), and the model reads the latents outside it and the mask. It is
// meant to start from the text-to-image model (--init-from diffusion: every weight but the new input
// convolution, which starts at zero), and its checkpoints are measured by the holdout inpainting
// benchmark (one object replaced by another) instead.
#include "models/model_store.h"
#include "models/runtime.h"
#include "pipelines/diffusion/generate.h"
#include "pipelines/tokens/generator_models.h"
#include "pipelines/inpaint_eval.h"
#include "training/generator_training.h"
#include "training/inpainting_masks.h"
#include "training/trainers.h"
#include "training/training_run.h"
#include "world/dataset.h"

namespace jl::training {

namespace {

constexpr double kConditionDropout = 0.1;
constexpr double kEmaDecay = 0.999;
constexpr double kMinSnrGamma = 5;

}  // namespace

nlohmann::json train_diffusion(const TrainParams& given, const Callbacks& callbacks) {
  const bool inpainting = given.task == "diffusion-inpaint";
  TrainParams params = given;
  models::ModelStore store(params.models_dir);
  diffusion::DiffusionModels frozen;
  frozen.tokenizer = tokens::load_tokenizer(store, params.tokenizer);
  frozen.text_encoder = tokens::load_text_encoder(store, params.text_encoder);

  // The tokenizer and the text encoder fix the latent and text shapes; the rest is the defaults with
  // --model-config on top.
  auto config = config_with_overrides<models::UNetDenoiserConfig>(generator_config_json(
      models::UNetDenoiserConfig{},
      {{"latent_channels", frozen.tokenizer->config.code_dim},
       {"latent_size", frozen.tokenizer->config.grid()},
       {"text_dim", frozen.text_encoder->config.dim},
       {"text_len", frozen.text_encoder->config.max_words}},
      params));
  config.inpainting = inpainting;

  torch::manual_seed(params.seed);
  auto model = std::make_shared<models::UNetDenoiserImpl>(config);
  frozen.denoiser = model;
  diffusion::check_compatible(frozen, "the new denoiser", params.tokenizer, params.text_encoder);
  const samplers::NoiseSchedule schedule = frozen.schedule();
  torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(params.lr).weight_decay(0.01));

  models::CheckpointInfo info = generator_info(params, models::kUNetDenoiserModel, config,
                                               frozen.tokenizer->config.image_size, "as latents of");
  if (inpainting && !params.init_from.empty()) {  // TrainingRun's --init-from wants the same config
    models::UNetDenoiserConfig text_to_image = config;
    text_to_image.inpainting = false;
    load_related_weights(*model, models::Checkpoint(store.find(params.init_from)), models::kUNetDenoiserModel,
                         text_to_image, "known_input.", info);
    params.init_from.clear();
  }
  TrainingRun run(params, *model, optimizer, info, callbacks, kEmaDecay);
  run.half_checkpoint = true;

  if (inpainting) {
    // The pipelines find the model under training by this name.
    const std::string name = "(the inpainting denoiser in training)";
    store.put(name, model);
    InpaintEvalParams eval;
    eval.count = params.eval_count;
    eval.inpaint.generation.method = Txt2ImgMethod::Diffusion;
    eval.inpaint.generation.model = name;
    eval.inpaint.generation.tokenizer = params.tokenizer;
    eval.inpaint.generation.text_encoder = params.text_encoder;
    eval.inpaint.generation.strength = 1;
    run.evaluate = [eval, &store] {
      nlohmann::json report = evaluate_inpaint_holdout(eval, store);
      report.erase("failures");
      return report;
    };
  } else {
    Txt2ImgParams sampling;  // the defaults users get
    sampling.method = Txt2ImgMethod::Diffusion;
    run.evaluate = holdout_evaluation(params, [&frozen, sampling](const std::vector<std::string>& prompts, uint64_t seed) {
      return diffusion::generate_images(frozen, prompts, sampling, seed, {});
    });
  }

  world::DatasetOptions data;
  data.size = frozen.tokenizer->config.image_size;
  data.batch = params.batch;
  data.seed = params.seed;
  data.first_batch = uint64_t(run.step());
  world::ShapeWorldStream stream(data);

  while (!run.done()) {
    world::Batch batch = stream.next();
    torch::Tensor latents, text, padding, known;
    {
      torch::NoGradGuard no_grad;
      latents = frozen.encode(models::to_unit_range(batch.images));
      if (inpainting) {
        const torch::Tensor keep = inpainting_keep_masks(batch.scenes, data.size, frozen.downsample());
        known = torch::cat({latents * keep, keep}, 1);
      }
      drop_captions(batch.captions, kConditionDropout);
      const Condition cond = encode_prompts(*frozen.text_encoder, batch.captions);
      text = cond.features;
      padding = cond.padding;
    }
    const torch::Tensor times = torch::randint(schedule.train_steps(), {params.batch}, torch::kLong);
    std::vector<double> sigma_values;
    for (int64_t b = 0; b < params.batch; ++b) sigma_values.push_back(schedule.sigma_at(int(times[b].item<int64_t>())));
    const torch::Tensor sigmas = torch::tensor(sigma_values, torch::kFloat);
    const torch::Tensor noise = torch::randn_like(latents);
    const torch::Tensor a = (1 + sigmas * sigmas).rsqrt().view({-1, 1, 1, 1});
    const torch::Tensor noisy = latents * a + noise * (sigmas.view({-1, 1, 1, 1}) * a);
    const torch::Tensor target = schedule.target(latents, noise, sigmas);
    const torch::Tensor weight = schedule.loss_weight(sigmas, params.snr_floor, kMinSnrGamma);

    run.schedule_learning_rate();
    torch::Tensor loss;
    {
      const BFloat16Autocast autocast(params.use_bfloat16());  // the forward pass only: evaluation stays float32
      const torch::Tensor output = model->forward(noisy, times.to(torch::kFloat), text, padding, known).to(torch::kFloat);
      loss = ((output - target).pow(2).mean({1, 2, 3}) * weight).mean();
    }
    optimizer.zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
    optimizer.step();
    run.finish_step({{"loss", loss.item<double>()}});
  }
  return run.last_eval();
}

}  // namespace jl::training
