#include "models/patch_tokenizer.h"

#include "core/error.h"
#include "models/checkpoint.h"
#include "models/conv_blocks.h"

namespace jl::models {

namespace nn = torch::nn;

void PatchTokenizerConfig::validate() const {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw Error("patch tokenizer config: " + what);
  };
  require(channels.size() >= 2 && channels.size() <= 5, "channels needs 2 to 5 levels (2x to 16x downsampling)");
  for (int c : channels) require(c >= 8 && c <= 1024, "every channel count must be in 8..1024");
  require(image_size >= 8 && image_size <= 1024 && image_size % downsample() == 0,
          "image_size must be a multiple of the downsampling " + std::to_string(downsample()));
  require(blocks >= 0 && blocks <= 8, "blocks must be in 0..8");
  require(codebook_size >= 2 && codebook_size <= 65536, "codebook_size must be in 2..65536");
  require(code_dim >= 2 && code_dim <= 512, "code_dim must be in 2..512");
  require(ema_decay > 0 && ema_decay < 1, "ema_decay must be in (0, 1)");
  require(commitment >= 0, "commitment must not be negative");
}

PatchTokenizerImpl::PatchTokenizerImpl(const PatchTokenizerConfig& cfg) : config(cfg) {
  config.validate();
  const std::vector<int>& ch = config.channels;
  const size_t levels = ch.size();
  auto blocks_at = [&](size_t level) { return config.blocks + (level + 1 == levels ? 1 : 0); };

  // Encoder: full resolution -> token grid, strided 4x4 convolutions between levels.
  nn::Sequential enc;
  enc->push_back(conv3x3(3, ch[0]));
  for (size_t level = 0; level < levels; ++level) {
    for (int b = 0; b < blocks_at(level); ++b) enc->push_back(ResBlock(ch[level], ch[level]));
    if (level + 1 < levels) enc->push_back(nn::Conv2d(nn::Conv2dOptions(ch[level], ch[level + 1], 4).stride(2).padding(1)));
  }
  enc->push_back(group_norm(ch.back()));
  enc->push_back(nn::SiLU());
  enc->push_back(nn::Conv2d(nn::Conv2dOptions(ch.back(), config.code_dim, 1)));
  encoder = register_module("encoder", enc);

  quantizer = register_module("quantizer", VectorQuantizer(config.codebook_size, config.code_dim, config.ema_decay));

  // Decoder: the mirror, nearest-neighbour upsampling + conv (no checkerboard artefacts).
  nn::Sequential dec;
  dec->push_back(conv3x3(config.code_dim, ch.back()));
  for (size_t level = levels; level-- > 0;) {
    for (int b = 0; b < blocks_at(level); ++b) dec->push_back(ResBlock(ch[level], ch[level]));
    if (level > 0) {
      dec->push_back(nn::Upsample(nn::UpsampleOptions().scale_factor(std::vector<double>{2, 2}).mode(torch::kNearest)));
      dec->push_back(conv3x3(ch[level], ch[level - 1]));
    }
  }
  dec->push_back(group_norm(ch[0]));
  dec->push_back(nn::SiLU());
  dec->push_back(conv3x3(ch[0], 3));
  decoder = register_module("decoder", dec);
}

void PatchTokenizerImpl::check_images(const torch::Tensor& images) const {
  const int64_t n = config.image_size;
  if (images.dim() != 4 || images.size(1) != 3 || images.size(2) != n || images.size(3) != n)
    throw Error("patch tokenizer: expected images [B, 3, " + std::to_string(n) + ", " + std::to_string(n) +
                "], got " + c10::str(images.sizes()));
}

PatchTokenizerImpl::Output PatchTokenizerImpl::forward(const torch::Tensor& images) {
  check_images(images);
  QuantizeOutput q = quantizer(encoder->forward(images));
  return {decoder->forward(q.quantized), q.indices, q.commitment_loss};
}

torch::Tensor PatchTokenizerImpl::encode(const torch::Tensor& images) {
  check_images(images);
  return quantizer->nearest(encoder->forward(images));
}

torch::Tensor PatchTokenizerImpl::decode(const torch::Tensor& indices) {
  const int64_t g = config.grid();
  if (indices.dim() != 3 || indices.size(1) != g || indices.size(2) != g)
    throw Error("patch tokenizer: expected token grids [B, " + std::to_string(g) + ", " + std::to_string(g) + "], got " +
                c10::str(indices.sizes()));
  if (indices.numel() && (indices.min().item<int64_t>() < 0 || indices.max().item<int64_t>() >= config.codebook_size))
    throw Error("patch tokenizer: token index outside the codebook (0.." + std::to_string(config.codebook_size - 1) + ")");
  return decoder->forward(quantizer->lookup(indices)).clamp(-1, 1);
}

torch::Tensor PatchTokenizerImpl::code_vectors(const torch::Tensor& images) {
  const int64_t d = config.downsample();
  if (images.dim() != 4 || images.size(1) != 3 || images.size(2) % d || images.size(3) % d)
    throw Error("patch tokenizer: expected images [B, 3, H, W] with sides multiples of " + std::to_string(d) + ", got " +
                c10::str(images.sizes()));
  return quantizer->lookup(quantizer->nearest(encoder->forward(images)));
}

torch::Tensor PatchTokenizerImpl::decode_vectors(const torch::Tensor& vectors) {
  if (vectors.dim() != 4 || vectors.size(1) != config.code_dim)
    throw Error("patch tokenizer: expected code vectors [B, " + std::to_string(config.code_dim) + ", h, w], got " +
                c10::str(vectors.sizes()));
  return decoder->forward(quantizer->lookup(quantizer->nearest(vectors))).clamp(-1, 1);
}

PatchTokenizer load_patch_tokenizer(const std::filesystem::path& path) {
  return load_model<PatchTokenizer, PatchTokenizerConfig>(path, kPatchTokenizerModel);
}

torch::Tensor to_unit_range(const torch::Tensor& bytes) { return bytes.to(torch::kFloat).div(127.5).sub(1); }

torch::Tensor to_bytes(const torch::Tensor& unit_range) {
  return unit_range.add(1).mul(127.5).round().clamp(0, 255).to(torch::kByte);
}

}  // namespace jl::models
