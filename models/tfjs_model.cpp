#include "models/tfjs_model.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/error.h"

namespace jl::models {

namespace F = torch::nn::functional;
using json = nlohmann::json;

enum class LayerKind { Input, Conv2D, Activation, Concatenate, Add, UpSampling2D, MultiplyBeta, PixelShuffle };

struct TfjsLayer {
  std::string name;
  std::string class_name;
  LayerKind kind = LayerKind::Input;
  std::vector<size_t> inputs;  // indices of earlier layers
  int channels = 0;            // output channels, known at load
  // Conv2D
  torch::Tensor weight, bias;  // OIHW, [O]
  int kernel[2] = {1, 1}, strides[2] = {1, 1}, dilation[2] = {1, 1};
  int64_t groups = 1;
  bool same_padding = false;
  // Conv2D (fused) and Activation
  std::string activation = "linear";
  // Concatenate: the NCHW axis
  int64_t axis = 1;
  // UpSampling2D
  int size[2] = {1, 1};
  bool bilinear = false;
  // MultiplyBeta
  double beta = 0.2;
  // PixelShuffle
  int scale = 1;
  // UpSampling2D(nearest, s) -> Conv2D(3x3) fused (see fuse_upsampling): the upsampling passes its
  // input through, the convolution runs at the low resolution with s*s times the filters and ends
  // in depth_to_space(s).
  bool passthrough = false;
  int fused_scale = 1;
};

namespace {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

const std::set<std::string>& keras_activations() {
  static const std::set<std::string> names = {"linear", "relu",     "relu6",    "elu",   "selu",        "sigmoid",
                                              "hard_sigmoid", "tanh", "softplus", "softsign", "swish", "silu",
                                              "gelu",     "exponential", "softmax", "mish"};
  return names;
}

// The Keras activations as TF.js computes them (hard_sigmoid is clip(0.2 x + 0.5, 0, 1); softmax is
// over the channels).
torch::Tensor activate(const std::string& name, const torch::Tensor& x) {
  if (name == "linear") return x;
  if (name == "relu") return torch::relu(x);
  if (name == "relu6") return torch::clamp(x, 0, 6);
  if (name == "elu") return torch::elu(x);
  if (name == "selu") return torch::selu(x);
  if (name == "sigmoid") return torch::sigmoid(x);
  if (name == "hard_sigmoid") return torch::clamp(0.2 * x + 0.5, 0, 1);
  if (name == "tanh") return torch::tanh(x);
  if (name == "softplus") return F::softplus(x);
  if (name == "softsign") return x / (1 + torch::abs(x));
  if (name == "swish" || name == "silu") return x * torch::sigmoid(x);
  if (name == "gelu") return torch::gelu(x);
  if (name == "exponential") return torch::exp(x);
  if (name == "softmax") return torch::softmax(x, 1);
  if (name == "mish") return x * torch::tanh(F::softplus(x));
  throw Error("internal: activation " + name);
}

// TF's "same" padding along one axis: the total split with the extra pixel after.
std::pair<int64_t, int64_t> same_padding(int64_t in, int kernel, int stride, int dilation) {
  const int64_t out = (in + stride - 1) / stride;
  const int64_t total = std::max<int64_t>(0, (out - 1) * stride + int64_t(kernel - 1) * dilation + 1 - in);
  return {total / 2, total - total / 2};
}

// TF.js resizeBilinear without half-pixel centres: source = destination * in / out.
torch::Tensor resize_linear_axis(const torch::Tensor& x, int64_t dim, int64_t out) {
  const int64_t in = x.size(dim);
  const auto src = torch::arange(out, x.options().dtype(torch::kFloat64)) * (double(in) / double(out));
  const auto lo = src.floor().to(torch::kLong).clamp_max(in - 1);
  const auto hi = (lo + 1).clamp_max(in - 1);
  std::vector<int64_t> shape(size_t(x.dim()), 1);
  shape[size_t(dim)] = out;
  const auto frac = (src - lo.to(torch::kFloat64)).to(x.scalar_type()).view(shape);
  const auto a = x.index_select(dim, lo), b = x.index_select(dim, hi);
  return a + (b - a) * frac;
}

int64_t nchw_axis(int64_t nhwc_axis, const std::string& where) {
  switch (nhwc_axis) {
    case 3: case -1: return 1;
    case 1: case -3: return 2;
    case 2: case -2: return 3;
    default: throw Error(where + ": concatenation along axis " + std::to_string(nhwc_axis) + " is not supported");
  }
}

std::pair<int, int> pair_of(const json& config, const char* key, int fallback, const std::string& where) {
  if (!config.contains(key)) return {fallback, fallback};
  const json& v = config[key];
  if (v.is_number_integer()) return {v.get<int>(), v.get<int>()};
  if (v.is_array() && v.size() == 2 && v[0].is_number_integer() && v[1].is_number_integer())
    return {v[0].get<int>(), v[1].get<int>()};
  throw Error(where + ": \"" + key + "\" must be an integer or a pair of integers, got " + v.dump());
}

// The weights of every group of the manifest, by name, as float32 tensors in their stored (TF) layout.
std::map<std::string, torch::Tensor> read_weights(const json& manifest, const fs::path& folder, const std::string& file) {
  if (!manifest.is_array()) throw Error(file + ": \"weightsManifest\" must be a list of weight groups");
  std::map<std::string, torch::Tensor> weights;
  for (const json& group : manifest) {
    if (!group.is_object() || !group.contains("paths") || !group["paths"].is_array() || !group.contains("weights") ||
        !group["weights"].is_array())
      throw Error(file + ": every weight group needs \"paths\" and \"weights\" lists");
    std::string bytes;
    for (const json& p : group["paths"]) {
      if (!p.is_string()) throw Error(file + ": a shard path must be a string, got " + p.dump());
      const fs::path shard = folder / p.get<std::string>();
      std::ifstream in(shard, std::ios::binary);
      if (!in) throw Error(file + ": the weight shard " + shard.string() + " is missing; fetch the model again");
      std::ostringstream data;
      data << in.rdbuf();
      bytes += data.str();
    }
    size_t offset = 0;
    for (const json& w : group["weights"]) {
      const std::string name = w.value("name", "");
      const std::string dtype = w.value("dtype", "");
      if (name.empty() || !w.contains("shape") || !w["shape"].is_array()) throw Error(file + ": a weight entry without name or shape: " + w.dump());
      if (w.contains("quantization"))
        throw Error(file + ": weight " + name + " is quantized; only float32 weights are supported");
      if (dtype != "float32") throw Error(file + ": weight " + name + " has dtype " + dtype + "; only float32 is supported");
      std::vector<int64_t> shape;
      int64_t count = 1;
      for (const json& d : w["shape"]) {
        if (!d.is_number_integer() || d.get<int64_t>() < 0 || d.get<int64_t>() > (1 << 24))
          throw Error(file + ": weight " + name + " has a bad shape " + w["shape"].dump());
        shape.push_back(d.get<int64_t>());
        count *= shape.back();
      }
      const size_t size = size_t(count) * 4;
      if (offset + size > bytes.size())
        throw Error(file + ": the shards of group " + group["paths"].dump() + " hold " + std::to_string(bytes.size()) +
                    " bytes, but the weights need at least " + std::to_string(offset + size) + " (a shard is truncated)");
      weights[name] = torch::from_blob(bytes.data() + offset, shape, torch::kFloat32).clone();
      offset += size;
    }
    if (offset != bytes.size())
      throw Error(file + ": the shards of group " + group["paths"].dump() + " hold " + std::to_string(bytes.size()) +
                  " bytes, but the manifest describes " + std::to_string(offset) + " (wrong shards for this model.json?)");
  }
  return weights;
}

// A weight named LAYER/what (or with a prefix: .../LAYER/what), taken out of the map so that
// leftovers can be reported.
torch::Tensor take_weight(std::map<std::string, torch::Tensor>& weights, const std::string& layer, const std::string& what,
                          const std::string& where) {
  const std::string key = layer + "/" + what;
  auto it = weights.find(key);
  if (it == weights.end())
    for (auto i = weights.begin(); i != weights.end(); ++i)
      if (i->first.size() > key.size() && i->first.compare(i->first.size() - key.size() - 1, key.size() + 1, "/" + key) == 0) it = i;
  if (it == weights.end()) throw Error(where + ": the weight " + key + " is not in the manifest");
  torch::Tensor w = it->second;
  weights.erase(it);
  return w;
}

// torch refuses '.' in parameter names; Keras layer names may hold one.
std::string parameter_name(std::string layer, const std::string& what) {
  std::replace(layer.begin(), layer.end(), '.', '_');
  return layer + "/" + what;
}

// A 3x3 convolution over a nearest-upsampled picture reads, for output phase (i, j) of each s x s
// block, low-resolution pixels at offsets floor((i + d) / s) for d in -1..1: the same convolution is
// a 3x3 convolution of the low-resolution picture with s*s phase kernels (taps that land on the same
// pixel summed), followed by depth_to_space. Same arithmetic, but no s*s times larger tensor is
// built and the matrix product is s*s times wider: the x8 UpscalerJS models run ~2x faster.
torch::Tensor fused_upsampling_kernel(const torch::Tensor& w, int s) {  // w: [F, C, 3, 3] -> [s*s*F, C, 3, 3]
  const int64_t filters = w.size(0);
  torch::Tensor fused = torch::zeros({s * s * filters, w.size(1), 3, 3}, w.options());
  for (int i = 0; i < s; ++i)
    for (int j = 0; j < s; ++j) {
      torch::Tensor phase = fused.narrow(0, (i * s + j) * filters, filters);
      for (int di = -1; di <= 1; ++di)
        for (int dj = -1; dj <= 1; ++dj) {
          const int a = int(std::floor(double(i + di) / s)) + 1, b = int(std::floor(double(j + dj) / s)) + 1;
          phase.select(2, a).select(2, b) += w.select(2, di + 1).select(2, dj + 1);
        }
    }
  return fused;
}

}  // namespace

torch::Tensor depth_to_space_nhwc_order(const torch::Tensor& x, int64_t s) {
  const int64_t n = x.size(0), c = x.size(1) / (s * s), h = x.size(2), w = x.size(3);
  return x.reshape({n, s, s, c, h, w}).permute({0, 3, 4, 1, 5, 2}).reshape({n, c, h * s, w * s});
}

TfjsModelImpl::~TfjsModelImpl() = default;

size_t TfjsModelImpl::layer_count() const { return layers_.size(); }

TfjsModelImpl::TfjsModelImpl(const fs::path& model_json) : path_(model_json) {
  const std::string file = model_json.string();
  std::ifstream in(model_json);
  if (!in) throw Error(file + ": no such model file");
  const json root = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) throw Error(file + ": not valid JSON; is this a TF.js model.json?");
  if (root.value("format", "layers-model") != "layers-model")
    throw Error(file + ": format \"" + root.value("format", "") + "\"; only TF.js layers models are supported (not graph models)");
  if (!root.contains("modelTopology") || !root.contains("weightsManifest"))
    throw Error(file + ": needs \"modelTopology\" and \"weightsManifest\"; is this a TF.js layers model?");
  json topology = root["modelTopology"];
  if (topology.contains("model_config")) topology = topology["model_config"];
  const std::string model_class = topology.value("class_name", "");
  if (model_class != "Functional" && model_class != "Model" && model_class != "Sequential")
    throw Error(file + ": model class \"" + model_class + "\"; expected Functional, Model or Sequential");
  const json& config = topology["config"];
  const json& layer_list = config.is_array() ? config : config.value("layers", json::array());
  if (!layer_list.is_array() || layer_list.empty()) throw Error(file + ": the model has no layers");
  const bool sequential = model_class == "Sequential";

  std::map<std::string, torch::Tensor> weights = read_weights(root["weightsManifest"], model_json.parent_path(), file);
  std::map<std::string, size_t> index_of;

  for (const json& spec : layer_list) {
    TfjsLayer layer;
    layer.class_name = spec.value("class_name", "");
    const json& c = spec.value("config", json::object());
    layer.name = spec.value("name", c.value("name", "layer" + std::to_string(layers_.size())));
    const std::string where = file + ": layer " + layer.name + " (" + layer.class_name + ")";

    // Inputs: a functional node lists them; a Sequential layer takes the previous one (a Sequential
    // model without an InputLayer gets one from its first layer's batch_input_shape).
    if (sequential) {
      if (layers_.empty() && layer.class_name != "InputLayer") {
        TfjsLayer input;
        input.name = "input";
        input.class_name = "InputLayer";
        const json& shape = c.value("batch_input_shape", json());
        if (!shape.is_array() || shape.size() != 4 || !shape[3].is_number_integer())
          throw Error(where + ": a Sequential model's first layer needs batch_input_shape [null, H, W, C]");
        input.channels = shape[3].get<int>();
        layers_.push_back(input);
      }
      if (!layers_.empty()) layer.inputs = {layers_.size() - 1};
    } else {
      const json& nodes = spec.value("inbound_nodes", json::array());
      if (!nodes.is_array()) throw Error(where + ": \"inbound_nodes\" must be a list");
      if (nodes.size() > 1) throw Error(where + ": used " + std::to_string(nodes.size()) + " times; shared layers are not supported");
      if (!nodes.empty()) {
        if (!nodes[0].is_array()) throw Error(where + ": an inbound node must be a list of [layer, node, tensor, kwargs]");
        for (const json& ref : nodes[0]) {
          if (!ref.is_array() || ref.empty() || !ref[0].is_string()) throw Error(where + ": a bad inbound reference " + ref.dump());
          const std::string from = ref[0].get<std::string>();
          if (!index_of.count(from)) throw Error(where + ": its input " + from + " is not defined before it");
          if (ref.size() > 2 && ref[2].is_number_integer() && ref[2].get<int>() != 0)
            throw Error(where + ": takes output " + ref[2].dump() + " of " + from + "; only single-output layers are supported");
          layer.inputs.push_back(index_of[from]);
        }
      }
    }
    std::vector<int> in_channels;
    for (size_t i : layer.inputs) in_channels.push_back(layers_[i].channels);
    auto one_input = [&] {
      if (layer.inputs.size() != 1) throw Error(where + ": expects one input, got " + std::to_string(layer.inputs.size()));
      return in_channels[0];
    };

    const std::string& kind = layer.class_name;
    if (kind == "InputLayer") {
      layer.kind = LayerKind::Input;
      const json& shape = c.value("batch_input_shape", c.value("batch_shape", json()));
      if (!shape.is_array() || shape.size() != 4 || !shape[3].is_number_integer())
        throw Error(where + ": expects an image input [null, H, W, C], got " + shape.dump());
      layer.channels = shape[3].get<int>();
    } else if (kind == "Conv2D") {
      layer.kind = LayerKind::Conv2D;
      const int in_ch = one_input();
      if (c.value("data_format", "channels_last") != "channels_last") throw Error(where + ": only channels_last data is supported");
      const std::string padding = c.value("padding", "valid");
      if (padding != "same" && padding != "valid") throw Error(where + ": padding \"" + padding + "\" (same or valid)");
      layer.same_padding = padding == "same";
      std::tie(layer.kernel[0], layer.kernel[1]) = pair_of(c, "kernel_size", 1, where);
      std::tie(layer.strides[0], layer.strides[1]) = pair_of(c, "strides", 1, where);
      std::tie(layer.dilation[0], layer.dilation[1]) = pair_of(c, "dilation_rate", 1, where);
      layer.groups = c.value("groups", 1);
      const int filters = c.value("filters", 0);
      if (filters < 1 || layer.groups < 1 || in_ch % layer.groups || filters % layer.groups || layer.kernel[0] < 1 ||
          layer.kernel[1] < 1 || layer.strides[0] < 1 || layer.strides[1] < 1 || layer.dilation[0] < 1 || layer.dilation[1] < 1)
        throw Error(where + ": inconsistent filters/groups/kernel/strides/dilation for " + std::to_string(in_ch) + " input channels");
      layer.activation = c.value("activation", "linear");
      if (!keras_activations().count(layer.activation)) throw Error(where + ": unknown activation \"" + layer.activation + "\"");
      const torch::Tensor kernel = take_weight(weights, layer.name, "kernel", where);
      const std::vector<int64_t> expected = {layer.kernel[0], layer.kernel[1], in_ch / layer.groups, filters};
      if (kernel.sizes().vec() != expected)
        throw Error(where + ": weight " + layer.name + "/kernel: got " + shape_text(kernel.sizes().vec()) + ", expected " + shape_text(expected));
      layer.weight = register_parameter(parameter_name(layer.name, "kernel"), kernel.permute({3, 2, 0, 1}).contiguous(), false);
      if (c.value("use_bias", true)) {
        const torch::Tensor bias = take_weight(weights, layer.name, "bias", where);
        if (bias.sizes().vec() != std::vector<int64_t>{filters})
          throw Error(where + ": weight " + layer.name + "/bias: got " + shape_text(bias.sizes().vec()) + ", expected [" +
                      std::to_string(filters) + "]");
        layer.bias = register_parameter(parameter_name(layer.name, "bias"), bias, false);
      }
      layer.channels = filters;
    } else if (kind == "Activation") {
      layer.kind = LayerKind::Activation;
      layer.channels = one_input();
      layer.activation = c.value("activation", "");
      if (!keras_activations().count(layer.activation)) throw Error(where + ": unknown activation \"" + layer.activation + "\"");
    } else if (kind == "Concatenate") {
      layer.kind = LayerKind::Concatenate;
      if (layer.inputs.size() < 2) throw Error(where + ": expects at least two inputs");
      layer.axis = nchw_axis(c.value("axis", -1), where);
      layer.channels = in_channels[0];
      if (layer.axis == 1) {
        layer.channels = 0;
        for (int ch : in_channels) layer.channels += ch;
      }
    } else if (kind == "Add") {
      layer.kind = LayerKind::Add;
      if (layer.inputs.size() < 2) throw Error(where + ": expects at least two inputs");
      for (int ch : in_channels)
        if (ch != in_channels[0])
          throw Error(where + ": adds tensors of " + std::to_string(in_channels[0]) + " and " + std::to_string(ch) + " channels");
      layer.channels = in_channels[0];
    } else if (kind == "UpSampling2D") {
      layer.kind = LayerKind::UpSampling2D;
      layer.channels = one_input();
      std::tie(layer.size[0], layer.size[1]) = pair_of(c, "size", 2, where);
      const std::string interpolation = c.value("interpolation", "nearest");
      if (interpolation != "nearest" && interpolation != "bilinear")
        throw Error(where + ": interpolation \"" + interpolation + "\" (nearest or bilinear)");
      if (layer.size[0] < 1 || layer.size[1] < 1) throw Error(where + ": size must be positive");
      layer.bilinear = interpolation == "bilinear";
    } else if (kind == "MultiplyBeta") {
      layer.kind = LayerKind::MultiplyBeta;
      layer.channels = one_input();
      layer.beta = c.value("beta", 0.2);
    } else if (kind.rfind("PixelShuffle", 0) == 0) {
      layer.kind = LayerKind::PixelShuffle;
      layer.channels = one_input();
      layer.scale = c.value("scale", 0);
      if (kind != "PixelShuffle" + std::to_string(layer.scale) + "x" || layer.scale < 2)
        throw Error(where + ": a pixel shuffle whose class and \"scale\" (" + std::to_string(layer.scale) + ") disagree");
      if (layer.channels % (layer.scale * layer.scale))
        throw Error(where + ": " + std::to_string(layer.channels) + " channels do not split into " + std::to_string(layer.scale) + "x" +
                    std::to_string(layer.scale) + " blocks");
      layer.channels /= layer.scale * layer.scale;
    } else {
      throw Error(where + ": unsupported layer class " + kind +
                  " (supported: InputLayer, Conv2D, Activation, Concatenate, Add, UpSampling2D, MultiplyBeta, PixelShuffleNx)");
    }
    if (index_of.count(layer.name)) throw Error(where + ": a second layer with this name");
    index_of[layer.name] = layers_.size();
    layers_.push_back(std::move(layer));
  }
  if (!weights.empty()) throw Error(file + ": weight " + weights.begin()->first + " belongs to no layer of the model");

  // One input, one output.
  size_t inputs = 0;
  for (const TfjsLayer& l : layers_) inputs += l.kind == LayerKind::Input;
  if (inputs != 1) throw Error(file + ": " + std::to_string(inputs) + " input layers; only single-input models are supported");
  if (layers_.front().kind != LayerKind::Input) throw Error(file + ": the input layer must come first");
  if (!sequential && config.contains("output_layers")) {
    const json& outputs = config["output_layers"];
    if (!outputs.is_array() || outputs.size() != 1 || !outputs[0].is_array() || !outputs[0][0].is_string())
      throw Error(file + ": only single-output models are supported, got output_layers " + outputs.dump());
    const std::string name = outputs[0][0].get<std::string>();
    if (!index_of.count(name)) throw Error(file + ": the output layer " + name + " is not in the model");
    if (index_of[name] != layers_.size() - 1) throw Error(file + ": the output layer " + name + " must be the last layer");
  }
  fuse_upsampling();
  input_channels_ = layers_.front().channels;
  output_channels_ = layers_.back().channels;
  // The overall scale, for callers that tile: the product of the resizing layers on the way out.
  for (const TfjsLayer& l : layers_) {
    if (l.kind == LayerKind::UpSampling2D) scale_ *= l.size[0];
    if (l.kind == LayerKind::PixelShuffle) scale_ *= l.scale;
  }
}

void TfjsModelImpl::fuse_upsampling() {
  std::vector<int> uses(layers_.size(), 0);
  for (const TfjsLayer& l : layers_)
    for (size_t i : l.inputs) ++uses[i];
  for (size_t n = 1; n + 1 < layers_.size(); ++n) {
    TfjsLayer& up = layers_[n];
    TfjsLayer& conv = layers_[n + 1];
    if (up.kind != LayerKind::UpSampling2D || up.bilinear || up.size[0] != up.size[1] || uses[n] != 1 ||
        conv.kind != LayerKind::Conv2D || conv.inputs != std::vector<size_t>{n} || conv.kernel[0] != 3 || conv.kernel[1] != 3 ||
        conv.strides[0] != 1 || conv.strides[1] != 1 || conv.dilation[0] != 1 || conv.dilation[1] != 1 || conv.groups != 1 ||
        !conv.same_padding)
      continue;
    const int s = up.size[0];
    torch::NoGradGuard no_grad;
    conv.weight.set_data(fused_upsampling_kernel(conv.weight, s));
    if (conv.bias.defined()) conv.bias.set_data(conv.bias.repeat({s * s}));
    conv.fused_scale = s;
    up.passthrough = true;
  }
}

torch::Tensor TfjsModelImpl::forward(const torch::Tensor& x, double* conv_flops) {
  if (x.dim() != 4 || x.size(1) != input_channels_)
    throw Error(path_.string() + ": expects [N, " + std::to_string(input_channels_) + ", H, W], got " + shape_text(x.sizes().vec()));
  std::vector<torch::Tensor> out(layers_.size());
  std::vector<int> uses(layers_.size(), 0);  // free each activation after its last use
  for (const TfjsLayer& l : layers_)
    for (size_t i : l.inputs) ++uses[i];
  for (size_t n = 0; n < layers_.size(); ++n) {
    const TfjsLayer& l = layers_[n];
    std::vector<torch::Tensor> in;
    for (size_t i : l.inputs) in.push_back(out[i]);
    torch::Tensor y;
    switch (l.kind) {
      case LayerKind::Input: y = x; break;
      case LayerKind::Conv2D: {
        torch::Tensor v = in[0];
        int64_t pad[2] = {0, 0};
        if (l.same_padding) {
          const auto ph = same_padding(v.size(2), l.kernel[0], l.strides[0], l.dilation[0]);
          const auto pw = same_padding(v.size(3), l.kernel[1], l.strides[1], l.dilation[1]);
          if (ph.first == ph.second && pw.first == pw.second) {
            pad[0] = ph.first;
            pad[1] = pw.first;
          } else {  // TF puts the odd pixel after: pad explicitly
            v = F::pad(v, F::PadFuncOptions({pw.first, pw.second, ph.first, ph.second}));
          }
        }
        y = torch::conv2d(v, l.weight, l.bias, {l.strides[0], l.strides[1]}, {pad[0], pad[1]}, {l.dilation[0], l.dilation[1]}, l.groups);
        if (conv_flops) *conv_flops += 2.0 * double(y.numel()) * double(l.weight[0].numel());
        if (l.fused_scale > 1) y = depth_to_space_nhwc_order(y, l.fused_scale);
        y = activate(l.activation, y);
        break;
      }
      case LayerKind::Activation: y = activate(l.activation, in[0]); break;
      case LayerKind::Concatenate: y = torch::cat(in, l.axis); break;
      case LayerKind::Add:
        y = in[0] + in[1];
        for (size_t i = 2; i < in.size(); ++i) y = y + in[i];
        break;
      case LayerKind::UpSampling2D:
        if (l.passthrough) {
          y = in[0];
        } else if (l.bilinear) {
          y = resize_linear_axis(in[0], 2, in[0].size(2) * l.size[0]);
          y = resize_linear_axis(y, 3, in[0].size(3) * l.size[1]);
        } else {
          y = in[0].repeat_interleave(l.size[0], 2).repeat_interleave(l.size[1], 3);
        }
        break;
      case LayerKind::MultiplyBeta: y = in[0] * l.beta; break;
      case LayerKind::PixelShuffle: y = depth_to_space_nhwc_order(in[0], l.scale); break;
    }
    out[n] = y;
    for (size_t i : l.inputs)
      if (--uses[i] == 0 && i != layers_.size() - 1) out[i] = torch::Tensor();
  }
  return out.back();
}

}  // namespace jl::models
