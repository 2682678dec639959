// Vector quantization for the patch tokenizer: each code vector of the encoder becomes the index of
// its nearest codebook entry. Codes and codebook entries are unit vectors compared by cosine (small
// code dimensions with l2-normalised lookup keep most of a large codebook in use). The codebook is not
// trained by gradients but follows exponential moving averages of the vectors assigned to each entry;
// it starts from a k-means of the first batch, and an entry nobody picks for long is restarted on a
// vector of the current batch that the codebook fits badly.
#pragma once

#include <torch/torch.h>

namespace jl::models {

struct QuantizeOutput {
  torch::Tensor quantized;        // [B, D, h, w]: the chosen entries, with straight-through gradients
  torch::Tensor indices;          // [B, h, w] int64
  torch::Tensor commitment_loss;  // scalar: mean squared distance of codes to their (fixed) entries
};

struct CodebookUsage {
  int64_t used = 0;         // entries chosen at least once in the counted indices
  double perplexity = 0;    // exp(entropy) of the entries' frequencies: the "effective" codebook size
};
CodebookUsage codebook_usage(const torch::Tensor& indices, int64_t codebook_size);

class VectorQuantizerImpl : public torch::nn::Module {
 public:
  VectorQuantizerImpl(int64_t codebook_size, int64_t code_dim, double ema_decay);

  // z: [B, D, h, w]. In training mode this also updates the codebook (EMA, k-means on first use, dead
  // entry restarts); in eval mode it only looks up.
  QuantizeOutput forward(const torch::Tensor& z);
  torch::Tensor nearest(const torch::Tensor& z);       // [B, D, h, w] -> [B, h, w]
  torch::Tensor lookup(const torch::Tensor& indices);  // [B, h, w] -> [B, D, h, w]

  int64_t codebook_size() const { return codebook_size_; }
  int64_t restarted() const { return restarted_; }  // entries restarted since construction

 private:
  void kmeans_init(const torch::Tensor& flat);
  void ema_update(const torch::Tensor& flat, const torch::Tensor& indices);

  int64_t codebook_size_, code_dim_;
  double decay_;
  int64_t restarted_ = 0;
  // Buffers, saved in checkpoints: unit-vector entries, EMA of assignment counts and of assigned sums,
  // and whether k-means has run.
  torch::Tensor codebook, cluster_size, embed_sum, initialized;
};
TORCH_MODULE(VectorQuantizer);

}  // namespace jl::models
