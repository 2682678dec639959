#include "pipelines/tokens/maskgit.h"

#include <cmath>
#include <limits>

#include "core/error.h"

namespace jl::tokens {

MaskGitOptions maskgit_options(const Txt2ImgParams& params) {
  const std::optional<MaskSchedule> schedule = MaskSchedule::parse(params.mask_schedule);
  if (!schedule) throw UsageError(mask_schedule_error(params.mask_schedule));
  MaskGitOptions options;
  options.steps = params.step_count();
  options.schedule = *schedule;
  options.sampling = {params.sampling_temperature(), params.top_k, params.top_p};
  options.choice_temperature = params.choice_temperature;
  return options;
}

torch::Tensor decode_maskgit(GuidedTransformer& model, torch::Tensor tokens, const torch::Tensor& unknown,
                             const MaskGitOptions& options, std::vector<at::Generator>& generators,
                             const Callbacks& callbacks) {
  const int64_t batch = tokens.size(0), n = tokens.size(1), mask_id = model.config().special_token();
  if (int64_t(generators.size()) != batch) throw Error("MaskGIT: one generator per image");
  tokens = tokens.clone().masked_fill_(unknown, mask_id);
  torch::Tensor masked = unknown.clone();
  std::vector<std::vector<int64_t>> schedules;
  for (int64_t b = 0; b < batch; ++b)
    schedules.push_back(maskgit_schedule(masked[b].sum().item<int64_t>(), options.steps, options.schedule));

  const double inf = std::numeric_limits<double>::infinity();
  for (int t = 0; t < options.steps; ++t) {
    const torch::Tensor probs = token_probabilities(model.logits(tokens), options.sampling);  // [B, N, V]
    const double noise = options.choice_temperature * (1.0 - double(t + 1) / options.steps);
    for (int64_t b = 0; b < batch; ++b) {
      const torch::Tensor open = masked[b];
      const int64_t still = open.sum().item<int64_t>();
      if (still == 0) continue;
      at::Generator& gen = generators[size_t(b)];
      const torch::Tensor sampled = torch::multinomial(probs[b], 1, false, gen).squeeze(1);  // [N]
      torch::Tensor confidence = probs[b].gather(1, sampled.unsqueeze(1)).squeeze(1).clamp_min(1e-30).log();
      if (noise > 0) {
        const torch::Tensor u = torch::rand({n}, gen).clamp(1e-20, 1.0 - 1e-7);
        confidence = confidence + noise * -torch::log(-torch::log(u));
      }
      // Only masked positions compete; among them the least confident stay masked.
      confidence = confidence.to(torch::kDouble).masked_fill(open.logical_not(), inf);
      const int64_t keep_masked = schedules[size_t(b)][size_t(t)];
      torch::Tensor remask = torch::zeros({n}, torch::kBool);
      if (keep_masked > 0) remask.index_fill_(0, std::get<1>(confidence.topk(keep_masked, 0, /*largest=*/false)), true);
      const torch::Tensor commit = open.logical_and(remask.logical_not());
      tokens[b].masked_scatter_(commit, sampled.masked_select(commit));
      masked[b].copy_(remask);
    }
    report_step(callbacks, t + 1, options.steps, options.preview, tokens, [&] { return masked.logical_not(); });
    callbacks.throw_if_cancelled();
  }
  return tokens;
}

}  // namespace jl::tokens
