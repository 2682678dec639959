#include "models/vector_quantizer.h"

#include <cmath>

namespace jl::models {

namespace {

torch::Tensor unit(const torch::Tensor& x) { return x / x.norm(2, -1, /*keepdim=*/true).clamp_min(1e-6); }

// [B, D, h, w] -> [B*h*w, D]
torch::Tensor flatten_codes(const torch::Tensor& z) { return z.permute({0, 2, 3, 1}).reshape({-1, z.size(1)}); }

// An entry whose EMA count falls below this (fewer than one pick per ~50 steps) is restarted.
constexpr double kDeadCount = 0.02;

}  // namespace

CodebookUsage codebook_usage(const torch::Tensor& indices, int64_t codebook_size) {
  const torch::Tensor counts = torch::bincount(indices.reshape({-1}).to(torch::kLong), {}, codebook_size).to(torch::kDouble);
  const torch::Tensor p = counts / counts.sum().clamp_min(1);
  const double entropy = -(p * torch::log(p.clamp_min(1e-12))).sum().item<double>();
  return {counts.gt(0).sum().item<int64_t>(), std::exp(entropy)};
}

VectorQuantizerImpl::VectorQuantizerImpl(int64_t codebook_size, int64_t code_dim, double ema_decay)
    : codebook_size_(codebook_size), code_dim_(code_dim), decay_(ema_decay) {
  codebook = register_buffer("codebook", unit(torch::randn({codebook_size, code_dim})));
  cluster_size = register_buffer("cluster_size", torch::ones({codebook_size}));
  embed_sum = register_buffer("embed_sum", codebook.clone());
  initialized = register_buffer("initialized", torch::zeros({1}, torch::kLong));
}

torch::Tensor VectorQuantizerImpl::nearest(const torch::Tensor& z) {
  const torch::Tensor flat = unit(flatten_codes(z));
  return flat.matmul(codebook.t()).argmax(1).view({z.size(0), z.size(2), z.size(3)});
}

torch::Tensor VectorQuantizerImpl::lookup(const torch::Tensor& indices) {
  return torch::embedding(codebook, indices).permute({0, 3, 1, 2}).contiguous();
}

void VectorQuantizerImpl::kmeans_init(const torch::Tensor& flat) {
  const int64_t n = flat.size(0);
  const torch::Tensor seeds = n >= codebook_size_ ? torch::randperm(n, torch::kLong).slice(0, 0, codebook_size_)
                                                  : torch::randint(n, {codebook_size_}, torch::kLong);
  torch::Tensor centers = flat.index_select(0, seeds);
  torch::Tensor counts;
  for (int iteration = 0; iteration < 10; ++iteration) {
    const torch::Tensor assign = flat.matmul(centers.t()).argmax(1);
    const torch::Tensor sums = torch::zeros_like(centers).index_add_(0, assign, flat);
    counts = torch::bincount(assign, {}, codebook_size_).to(torch::kFloat);
    // An empty cluster keeps its old center (a batch vector) rather than collapsing to zero.
    centers = torch::where(counts.unsqueeze(1) > 0, unit(sums), centers);
  }
  codebook.copy_(centers);
  embed_sum.copy_(centers);
  cluster_size.copy_(counts.clamp_min(1));
  initialized.fill_(1);
}

void VectorQuantizerImpl::ema_update(const torch::Tensor& flat, const torch::Tensor& indices) {
  const torch::Tensor counts = torch::bincount(indices, {}, codebook_size_).to(torch::kFloat);
  const torch::Tensor sums = torch::zeros_like(embed_sum).index_add_(0, indices, flat);
  cluster_size.mul_(decay_).add_(counts, 1 - decay_);
  embed_sum.mul_(decay_).add_(sums, 1 - decay_);

  // Restart entries nobody picks on vectors of this batch, drawn in proportion to how badly the
  // codebook fits them: a uniform draw would land mostly on flat background (most of every picture)
  // and die again, while the entries are needed for the rare, detailed patches along edges.
  const torch::Tensor dead = (cluster_size < kDeadCount).nonzero().view({-1});
  if (dead.numel() > 0) {
    const torch::Tensor misfit = (1 - flat.matmul(codebook.t()).amax(1)).clamp_min(1e-6);
    const torch::Tensor picks = torch::multinomial(misfit, dead.size(0), /*replacement=*/true);
    embed_sum.index_copy_(0, dead, flat.index_select(0, picks));
    cluster_size.index_fill_(0, dead, 1.0);
    restarted_ += dead.size(0);
  }
  // Entries are unit vectors, so the direction of the EMA sum is all that matters.
  codebook.copy_(unit(embed_sum));
}

QuantizeOutput VectorQuantizerImpl::forward(const torch::Tensor& z) {
  TORCH_CHECK(z.dim() == 4 && z.size(1) == code_dim_, "VectorQuantizer: expected [B, ", code_dim_, ", h, w], got ",
              z.sizes());
  const torch::Tensor flat = unit(flatten_codes(z));
  if (is_training()) {
    torch::NoGradGuard no_grad;
    if (initialized.item<int64_t>() == 0) kmeans_init(flat.detach());
  }
  const torch::Tensor indices = flat.detach().matmul(codebook.t()).argmax(1);
  if (is_training()) {
    torch::NoGradGuard no_grad;
    ema_update(flat.detach(), indices);
  }
  const torch::Tensor chosen = torch::embedding(codebook, indices);
  QuantizeOutput out;
  out.commitment_loss = (flat - chosen.detach()).square().sum(1).mean();
  const torch::Tensor straight = flat + (chosen - flat).detach();
  out.quantized = straight.view({z.size(0), z.size(2), z.size(3), code_dim_}).permute({0, 3, 1, 2}).contiguous();
  out.indices = indices.view({z.size(0), z.size(2), z.size(3)});
  return out;
}

}  // namespace jl::models
