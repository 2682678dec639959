#include "models/tfjs_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"

namespace jl::models {

using json = nlohmann::json;

enum class LayerKind { Input, Conv2D, Activation, Concatenate, Add, UpSampling2D, MultiplyBeta, PixelShuffle };

struct TfjsLayer {
  std::string name;
  std::string class_name;
  LayerKind kind = LayerKind::Input;
  std::vector<size_t> inputs;  // indices of earlier layers
  int channels = 0;            // output channels, known at load
  // Conv2D
  std::vector<float> kernel, bias;  // HWIO [kh, kw, C / groups, filters] as stored, [filters] or empty
  Conv2dShape shape;
  // Conv2D (fused) and Activation
  std::string activation = "linear";
  // Concatenate: the NHWC axis (1 height, 2 width, 3 channels)
  int axis = 3;
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

int nhwc_axis(int axis, const std::string& where) {
  switch (axis) {
    case 3: case -1: return 3;
    case 1: case -3: return 1;
    case 2: case -2: return 2;
    default: throw Error(where + ": concatenation along axis " + std::to_string(axis) + " is not supported");
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

struct Weight {
  std::vector<int64_t> shape;
  std::vector<float> values;
};

// The weights of every group of the manifest, by name, as float32 arrays in their stored (TF) layout.
std::map<std::string, Weight> read_weights(const json& manifest, const fs::path& folder, const std::string& file) {
  if (!manifest.is_array()) throw Error(file + ": \"weightsManifest\" must be a list of weight groups");
  std::map<std::string, Weight> weights;
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
      Weight& weight = weights[name];
      weight.shape = shape;
      weight.values.resize(size_t(count));
      std::memcpy(weight.values.data(), bytes.data() + offset, size);
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
Weight take_weight(std::map<std::string, Weight>& weights, const std::string& layer, const std::string& what,
                          const std::string& where) {
  const std::string key = layer + "/" + what;
  auto it = weights.find(key);
  if (it == weights.end())
    for (auto i = weights.begin(); i != weights.end(); ++i)
      if (i->first.size() > key.size() && i->first.compare(i->first.size() - key.size() - 1, key.size() + 1, "/" + key) == 0) it = i;
  if (it == weights.end()) throw Error(where + ": the weight " + key + " is not in the manifest");
  Weight w = std::move(it->second);
  weights.erase(it);
  return w;
}

// A 3x3 convolution over a nearest-upsampled picture reads, for output phase (i, j) of each s x s
// block, low-resolution pixels at offsets floor((i + d) / s) for d in -1..1: the same convolution is
// a 3x3 convolution of the low-resolution picture with s*s phase kernels (taps that land on the same
// pixel summed), followed by depth_to_space. Same arithmetic, but no s*s times larger picture is
// built and the matrix product is s*s times wider: the x8 UpscalerJS models run ~2x faster.
// kernel: HWIO [3, 3, C, F] -> [3, 3, C, s*s*F], phase (i, j) in filters (i*s + j)*F + f, the
// channel order depth_to_space reads.
std::vector<float> fused_upsampling_kernel(const std::vector<float>& kernel, int channels, int filters, int s) {
  const size_t wide = size_t(s * s * filters), c_count = size_t(channels), f_count = size_t(filters);
  std::vector<float> fused(9 * c_count * wide, 0.0f);
  for (int i = 0; i < s; ++i)
    for (int j = 0; j < s; ++j)
      for (int di = -1; di <= 1; ++di)
        for (int dj = -1; dj <= 1; ++dj) {
          const int a = int(std::floor(double(i + di) / s)) + 1, b = int(std::floor(double(j + dj) / s)) + 1;
          const float* from = kernel.data() + size_t((di + 1) * 3 + dj + 1) * c_count * f_count;
          float* to = fused.data() + size_t(a * 3 + b) * c_count * wide + size_t(i * s + j) * f_count;
          for (size_t c = 0; c < c_count; ++c)
            for (size_t f = 0; f < f_count; ++f) to[c * wide + f] += from[c * f_count + f];
        }
  return fused;
}

}  // namespace

TfjsModel::~TfjsModel() = default;

size_t TfjsModel::layer_count() const { return layers_.size(); }

TfjsModel::TfjsModel(const fs::path& model_json) : path_(model_json) {
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

  std::map<std::string, Weight> weights = read_weights(root["weightsManifest"], model_json.parent_path(), file);
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
      Conv2dShape& shape = layer.shape;
      shape.same_padding = padding == "same";
      std::tie(shape.kernel_h, shape.kernel_w) = pair_of(c, "kernel_size", 1, where);
      std::tie(shape.stride_h, shape.stride_w) = pair_of(c, "strides", 1, where);
      std::tie(shape.dilation_h, shape.dilation_w) = pair_of(c, "dilation_rate", 1, where);
      shape.groups = c.value("groups", 1);
      const int filters = c.value("filters", 0);
      if (filters < 1 || shape.groups < 1 || in_ch % shape.groups || filters % shape.groups || shape.kernel_h < 1 ||
          shape.kernel_w < 1 || shape.stride_h < 1 || shape.stride_w < 1 || shape.dilation_h < 1 || shape.dilation_w < 1)
        throw Error(where + ": inconsistent filters/groups/kernel/strides/dilation for " + std::to_string(in_ch) + " input channels");
      layer.activation = c.value("activation", "linear");
      if (!is_keras_activation(layer.activation)) throw Error(where + ": unknown activation \"" + layer.activation + "\"");
      Weight kernel = take_weight(weights, layer.name, "kernel", where);
      const std::vector<int64_t> expected = {shape.kernel_h, shape.kernel_w, in_ch / shape.groups, filters};
      if (kernel.shape != expected)
        throw Error(where + ": weight " + layer.name + "/kernel: got " + shape_text(kernel.shape) + ", expected " + shape_text(expected));
      layer.kernel = std::move(kernel.values);
      if (c.value("use_bias", true)) {
        Weight bias = take_weight(weights, layer.name, "bias", where);
        if (bias.shape != std::vector<int64_t>{filters})
          throw Error(where + ": weight " + layer.name + "/bias: got " + shape_text(bias.shape) + ", expected [" +
                      std::to_string(filters) + "]");
        layer.bias = std::move(bias.values);
      }
      layer.channels = filters;
    } else if (kind == "Activation") {
      layer.kind = LayerKind::Activation;
      layer.channels = one_input();
      layer.activation = c.value("activation", "");
      if (!is_keras_activation(layer.activation)) throw Error(where + ": unknown activation \"" + layer.activation + "\"");
    } else if (kind == "Concatenate") {
      layer.kind = LayerKind::Concatenate;
      if (layer.inputs.size() < 2) throw Error(where + ": expects at least two inputs");
      layer.axis = nhwc_axis(c.value("axis", -1), where);
      layer.channels = in_channels[0];
      if (layer.axis == 3) {
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

void TfjsModel::fuse_upsampling() {
  std::vector<int> uses(layers_.size(), 0);
  for (const TfjsLayer& l : layers_)
    for (size_t i : l.inputs) ++uses[i];
  for (size_t n = 1; n + 1 < layers_.size(); ++n) {
    TfjsLayer& up = layers_[n];
    TfjsLayer& conv = layers_[n + 1];
    const Conv2dShape& c = conv.shape;
    if (up.kind != LayerKind::UpSampling2D || up.bilinear || up.size[0] != up.size[1] || uses[n] != 1 ||
        conv.kind != LayerKind::Conv2D || conv.inputs != std::vector<size_t>{n} || c.kernel_h != 3 || c.kernel_w != 3 ||
        c.stride_h != 1 || c.stride_w != 1 || c.dilation_h != 1 || c.dilation_w != 1 || c.groups != 1 || !c.same_padding)
      continue;
    const int s = up.size[0];
    conv.kernel = fused_upsampling_kernel(conv.kernel, up.channels, conv.channels, s);
    if (!conv.bias.empty()) {
      std::vector<float> repeated;
      for (int phase = 0; phase < s * s; ++phase) repeated.insert(repeated.end(), conv.bias.begin(), conv.bias.end());
      conv.bias = std::move(repeated);
    }
    conv.fused_scale = s;
    up.passthrough = true;
  }
}

NhwcImage TfjsModel::forward(const NhwcImage& x, double* conv_flops) const {
  if (x.channels != input_channels_ || x.height < 1 || x.width < 1)
    throw Error(path_.string() + ": expects a picture of " + std::to_string(input_channels_) + " channels, got " + x.shape());
  std::vector<NhwcImage> out(layers_.size());
  std::vector<int> uses(layers_.size(), 0);  // free each activation after its last use
  for (const TfjsLayer& l : layers_)
    for (size_t i : l.inputs) ++uses[i];
  for (size_t n = 0; n < layers_.size(); ++n) {
    const TfjsLayer& l = layers_[n];
    const NhwcImage& in = n == 0 ? x : out[l.inputs[0]];
    NhwcImage y;
    switch (l.kind) {
      case LayerKind::Input: y = x; break;
      case LayerKind::Conv2D: {
        const int filters = l.channels * l.fused_scale * l.fused_scale;
        y = conv2d(in, l.kernel, l.bias, filters, l.shape);
        if (y.data.empty())
          throw Error(path_.string() + ": layer " + l.name + ": a " + in.shape() + " input is smaller than its kernel");
        if (conv_flops) *conv_flops += 2.0 * double(y.data.size()) * double(l.kernel.size() / size_t(filters));
        if (l.fused_scale > 1) y = depth_to_space(y, l.fused_scale);
        activate(l.activation, y);
        break;
      }
      case LayerKind::Activation:
        y = in;
        activate(l.activation, y);
        break;
      case LayerKind::Concatenate: {
        std::vector<const NhwcImage*> parts;
        for (size_t i : l.inputs) parts.push_back(&out[i]);
        try {
          y = concatenate(parts, l.axis);
        } catch (const Error& e) {
          throw Error(path_.string() + ": layer " + l.name + ": " + e.what());
        }
        break;
      }
      case LayerKind::Add:
        y = in;
        for (size_t k = 1; k < l.inputs.size(); ++k) {
          const NhwcImage& other = out[l.inputs[k]];
          if (other.height != y.height || other.width != y.width)
            throw Error(path_.string() + ": layer " + l.name + ": cannot add " + y.shape() + " and " + other.shape());
          for (size_t i = 0; i < y.data.size(); ++i) y.data[i] += other.data[i];
        }
        break;
      case LayerKind::UpSampling2D:
        y = l.passthrough ? in : l.bilinear ? upsample_bilinear(in, l.size[0], l.size[1]) : upsample_nearest(in, l.size[0], l.size[1]);
        break;
      case LayerKind::MultiplyBeta:
        y = in;
        for (float& v : y.data) v *= float(l.beta);
        break;
      case LayerKind::PixelShuffle: y = depth_to_space(in, l.scale); break;
    }
    out[n] = std::move(y);
    for (size_t i : l.inputs)
      if (--uses[i] == 0 && i != layers_.size() - 1) out[i] = NhwcImage();
  }
  return std::move(out.back());
}

}  // namespace jl::models
