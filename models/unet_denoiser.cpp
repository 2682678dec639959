#include "models/unet_denoiser.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "models/checkpoint.h"
#include "models/conv_blocks.h"
#include "models/transformer_block.h"

namespace jl::models {

namespace nn = torch::nn;

void UNetDenoiserConfig::validate() const {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw Error("unet denoiser config: " + what);
  };
  require(latent_channels >= 1 && latent_channels <= 256, "latent_channels must be in 1..256");
  require(channels.size() >= 1 && channels.size() <= 5, "channels needs 1 to 5 levels");
  for (int c : channels) require(c >= 8 && c <= 2048 && c % heads == 0, "every channel count must be in 8..2048 and a multiple of heads");
  require(heads >= 1, "heads must be positive");
  for (int level : self_attention)
    require(level >= 0 && level < int(channels.size()), "self_attention lists levels 0.." + std::to_string(channels.size() - 1));
  require(latent_size >= 1 && latent_size % downsample() == 0, "latent_size must be a multiple of " + std::to_string(downsample()));
  require(blocks >= 1 && blocks <= 8, "blocks must be in 1..8");
  require(text_dim >= 1 && text_len >= 1 && text_len <= 256, "text_dim must be positive and text_len in 1..256");
  require(schedule == "cosine", "schedule must be \"cosine\"");
  require(train_steps >= 2 && train_steps <= 100000, "train_steps must be in 2..100000");
  require(prediction == "v" || prediction == "eps", "prediction must be \"v\" or \"eps\"");
  require(latent_scale > 0, "latent_scale must be positive");
}

void to_json(nlohmann::json& j, const UNetDenoiserConfig& c) {
  j = {{"latent_channels", c.latent_channels}, {"latent_size", c.latent_size}, {"channels", c.channels},
       {"blocks", c.blocks},                   {"self_attention", c.self_attention}, {"heads", c.heads},
       {"text_dim", c.text_dim},               {"text_len", c.text_len},       {"schedule", c.schedule},
       {"train_steps", c.train_steps},         {"prediction", c.prediction},   {"latent_scale", c.latent_scale}};
  if (c.inpainting) j["inpainting"] = true;  // text-to-image configs stay as they were written before it existed
}

void from_json(const nlohmann::json& j, UNetDenoiserConfig& c) {
  j.at("latent_channels").get_to(c.latent_channels);
  j.at("latent_size").get_to(c.latent_size);
  j.at("channels").get_to(c.channels);
  j.at("blocks").get_to(c.blocks);
  j.at("self_attention").get_to(c.self_attention);
  j.at("heads").get_to(c.heads);
  j.at("text_dim").get_to(c.text_dim);
  j.at("text_len").get_to(c.text_len);
  j.at("schedule").get_to(c.schedule);
  j.at("train_steps").get_to(c.train_steps);
  j.at("prediction").get_to(c.prediction);
  j.at("latent_scale").get_to(c.latent_scale);
  c.inpainting = j.value("inpainting", false);
}

bool UNetDenoiserConfig::has_self_attention(size_t level) const {
  return std::find(self_attention.begin(), self_attention.end(), int(level)) != self_attention.end();
}

namespace {

// Cross-attention from image positions to the prompt's words (pre-norm, residual).
class CrossAttentionImpl : public nn::Module {
 public:
  CrossAttentionImpl(int64_t dim, int64_t text_dim, int64_t heads) : heads_(heads) {
    norm = register_module("norm", nn::LayerNorm(nn::LayerNormOptions({dim})));
    query = register_module("query", nn::Linear(dim, dim));
    key_value = register_module("key_value", nn::Linear(text_dim, 2 * dim));
    proj = register_module("proj", nn::Linear(dim, dim));
  }
  // x: [B, T, dim]; text: [B, L, text_dim]; bias: [B, 1, 1, L] additive.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& text, const torch::Tensor& bias) {
    const int64_t b = x.size(0), t = x.size(1), dim = x.size(2), l = text.size(1), hd = dim / heads_;
    const torch::Tensor q = query(norm(x)).view({b, t, heads_, hd}).transpose(1, 2);
    const torch::Tensor kv = key_value(text).view({b, l, 2, heads_, hd}).permute({2, 0, 3, 1, 4});
    const torch::Tensor scores = torch::matmul(q, kv[0].transpose(-2, -1)) * (1.0 / std::sqrt(double(hd))) + bias;
    const torch::Tensor attended = torch::matmul(torch::softmax(scores, -1), kv[1]);
    return x + proj(attended.transpose(1, 2).reshape({b, t, dim}));
  }

 private:
  int64_t heads_;
  nn::LayerNorm norm{nullptr};
  nn::Linear query{nullptr}, key_value{nullptr}, proj{nullptr};
};
TORCH_MODULE(CrossAttention);

// A residual block, then (over the flattened positions) cross-attention to the prompt and, when
// asked, a self-attention + MLP transformer block.
class StageImpl : public nn::Module {
 public:
  StageImpl(int64_t in, int64_t out, const UNetDenoiserConfig& config, bool self_attention) {
    res = register_module("res", ResBlock(in, out, config.embedding_dim()));
    cross = register_module("cross", CrossAttention(out, config.text_dim, config.heads));
    if (self_attention) attention = register_module("attention", TransformerBlock(out, config.heads, 2 * out));
  }
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& embedding, const torch::Tensor& text,
                        const torch::Tensor& bias) {
    const torch::Tensor h = res(x, embedding);
    const int64_t b = h.size(0), c = h.size(1), height = h.size(2), width = h.size(3);
    torch::Tensor seq = h.flatten(2).transpose(1, 2);  // [B, HW, C]
    seq = cross(seq, text, bias);
    if (attention) seq = attention(seq, torch::Tensor());
    return seq.transpose(1, 2).reshape({b, c, height, width});
  }

 private:
  ResBlock res{nullptr};
  CrossAttention cross{nullptr};
  TransformerBlock attention{nullptr};
};
TORCH_MODULE(Stage);

// Sinusoidal features of a continuous time, [B] -> [B, dim].
torch::Tensor time_features(const torch::Tensor& time, int64_t dim) {
  const int64_t half = dim / 2;
  const torch::Tensor freqs = torch::exp(torch::arange(half, torch::kFloat) * (-std::log(10000.0) / double(half)));
  const torch::Tensor angles = time.to(torch::kFloat).unsqueeze(1) * freqs.unsqueeze(0);
  return torch::cat({torch::cos(angles), torch::sin(angles)}, 1);
}

}  // namespace

UNetDenoiserImpl::UNetDenoiserImpl(const UNetDenoiserConfig& cfg) : config(cfg) {
  config.validate();
  const std::vector<int>& ch = config.channels;
  const int64_t emb = config.embedding_dim();
  const size_t levels = ch.size();

  input = register_module("input", conv3x3(config.latent_channels, ch[0]));
  if (config.inpainting) {
    known_input = register_module("known_input", conv3x3(config.latent_channels + 1, ch[0]));
    torch::NoGradGuard no_grad;
    known_input->weight.zero_();
    known_input->bias.zero_();
  }
  time_mlp = register_module("time_mlp", nn::Sequential(nn::Linear(ch[0], emb), nn::SiLU(), nn::Linear(emb, emb)));
  text_pool = register_module("text_pool", nn::Linear(config.text_dim, emb));

  down = register_module("down", nn::ModuleList());
  downsamplers = register_module("downsamplers", nn::ModuleList());
  std::vector<int64_t> skip_channels{ch[0]};
  int64_t current = ch[0];
  for (size_t level = 0; level < levels; ++level) {
    for (int b = 0; b < config.blocks; ++b) {
      down->push_back(Stage(current, ch[level], config, config.has_self_attention(level)));
      current = ch[level];
      skip_channels.push_back(current);
    }
    if (level + 1 < levels) {
      downsamplers->push_back(nn::Conv2d(nn::Conv2dOptions(current, current, 3).stride(2).padding(1)));
      skip_channels.push_back(current);
    }
  }
  middle = register_module("middle", nn::ModuleList());
  middle->push_back(Stage(current, current, config, true));
  middle->push_back(Stage(current, current, config, true));

  up = register_module("up", nn::ModuleList());
  upsamplers = register_module("upsamplers", nn::ModuleList());
  for (size_t level = levels; level-- > 0;) {
    for (int b = 0; b < config.blocks + 1; ++b) {
      const int64_t skip = skip_channels.back();
      skip_channels.pop_back();
      up->push_back(Stage(current + skip, ch[level], config, config.has_self_attention(level)));
      current = ch[level];
    }
    if (level > 0) upsamplers->push_back(conv3x3(current, current));
  }
  output_norm = register_module("output_norm", group_norm(current));
  output = register_module("output", conv3x3(current, config.latent_channels));
  torch::NoGradGuard no_grad;
  output->weight.zero_();  // a fresh model predicts 0: the mean of both targets
  output->bias.zero_();
}

torch::Tensor UNetDenoiserImpl::embed(const torch::Tensor& time, const torch::Tensor& text, const torch::Tensor& padding) {
  const torch::Tensor words = padding.logical_not().to(text.scalar_type()).unsqueeze(-1);  // [B, L, 1]
  const torch::Tensor pooled = (text * words).sum(1) / words.sum(1).clamp_min(1);
  return time_mlp->forward(time_features(time, config.channels.front())) + text_pool(pooled);
}

torch::Tensor UNetDenoiserImpl::forward(const torch::Tensor& x, const torch::Tensor& time, const torch::Tensor& text,
                                        const torch::Tensor& padding, const torch::Tensor& known) {
  const int64_t d = config.downsample();
  if (x.dim() != 4 || x.size(1) != config.latent_channels || x.size(2) % d || x.size(3) % d)
    throw Error("unet denoiser: expected latents [B, " + std::to_string(config.latent_channels) +
                ", H, W] with H and W multiples of " + std::to_string(d) + ", got " + c10::str(x.sizes()));
  if (text.dim() != 3 || text.size(1) != config.text_len || text.size(2) != config.text_dim)
    throw Error("unet denoiser: expected text features [B, " + std::to_string(config.text_len) + ", " +
                std::to_string(config.text_dim) + "], got " + c10::str(text.sizes()) +
                " (was it trained with another text encoder?)");
  const torch::Tensor embedding = embed(time, text, padding);
  const float neg_inf = -std::numeric_limits<float>::infinity();
  const torch::Tensor bias =
      torch::zeros({padding.size(0), 1, 1, padding.size(1)}).masked_fill(padding.view({padding.size(0), 1, 1, -1}), neg_inf);

  torch::Tensor h = input(x);
  if (known.defined() && !config.inpainting)
    throw Error("unet denoiser: this is a text-to-image model; it cannot take the known part of a picture");
  if (config.inpainting) {
    if (known.defined() && (known.dim() != 4 || known.size(0) != x.size(0) || known.size(1) != config.latent_channels + 1 ||
                            known.size(2) != x.size(2) || known.size(3) != x.size(3)))
      throw Error("unet denoiser: expected the known latents and mask [B, " + std::to_string(config.latent_channels + 1) +
                  ", H, W] beside latents " + c10::str(x.sizes()) + ", got " + c10::str(known.sizes()));
    // Nothing known (text-to-image with an inpainting model): zero latents, all redrawn.
    h = h + known_input(known.defined() ? known : torch::zeros({x.size(0), config.latent_channels + 1, x.size(2), x.size(3)}));
  }
  std::vector<torch::Tensor> skips{h};
  size_t stage = 0;
  for (size_t level = 0; level < config.channels.size(); ++level) {
    for (int b = 0; b < config.blocks; ++b) {
      h = down[stage++]->as<Stage>()->forward(h, embedding, text, bias);
      skips.push_back(h);
    }
    if (level + 1 < config.channels.size()) {
      h = downsamplers[level]->as<nn::Conv2d>()->forward(h);
      skips.push_back(h);
    }
  }
  for (const auto& m : *middle) h = m->as<Stage>()->forward(h, embedding, text, bias);
  stage = 0;
  size_t upsampler = 0;
  for (size_t level = config.channels.size(); level-- > 0;) {
    for (int b = 0; b < config.blocks + 1; ++b) {
      h = torch::cat({h, skips.back()}, 1);
      skips.pop_back();
      h = up[stage++]->as<Stage>()->forward(h, embedding, text, bias);
    }
    if (level > 0) {
      h = torch::upsample_nearest2d(h, {h.size(2) * 2, h.size(3) * 2});
      h = upsamplers[upsampler++]->as<nn::Conv2d>()->forward(h);
    }
  }
  return output(torch::silu(output_norm(float32(h))));
}

UNetDenoiser load_unet_denoiser(const std::filesystem::path& path) {
  return load_model<UNetDenoiser, UNetDenoiserConfig>(path, kUNetDenoiserModel);
}

}  // namespace jl::models
