// Txt2ImgParams::from_string: the inverse of to_string(), for "reuse parameters".
#include <sstream>

#include "core/error.h"
#include "pipelines/txt2img.h"

namespace jl {

namespace {

std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t\r"), b = s.find_last_not_of(" \t\r");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

double number(const std::string& key, const std::string& value) {
  try {
    size_t used = 0;
    const double v = std::stod(value, &used);
    if (trim(value.substr(used)).empty()) return v;
  } catch (const std::exception&) {
  }
  throw Error("parameters: " + key + " is '" + value + "', not a number");
}

uint64_t seed_of(const std::string& value) {
  if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos || value.size() > 20)
    throw Error("parameters: Seed is '" + value + "', not a whole number");
  return uint64_t(std::stoull(value));
}

samplers::SamplerKind sampler_from_label(const std::string& label) {
  for (const std::string& name : samplers::sampler_names()) {
    const samplers::SamplerKind kind = samplers::parse_sampler(name);
    if (label == samplers::label_of(kind) || label == name) return kind;
  }
  throw Error("parameters: unknown sampler '" + label + "'");
}

}  // namespace

Txt2ImgParams Txt2ImgParams::from_string(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(trim(line));
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (lines.empty() || lines[0].empty()) throw Error("parameters: no prompt line");

  Txt2ImgParams p;
  p.prompt = lines[0];
  std::string settings;
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string negative = "Negative prompt:";
    if (lines[i].rfind(negative, 0) == 0) p.negative_prompt = trim(lines[i].substr(negative.size()));
    else settings += (settings.empty() ? "" : ", ") + lines[i];
  }
  std::string model;
  std::istringstream items(settings);
  for (std::string item; std::getline(items, item, ',');) {
    const size_t colon = item.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = trim(item.substr(0, colon)), value = trim(item.substr(colon + 1));
    if (key == "Method") p.method = parse_txt2img_method(value);
    else if (key == "Model") model = value;
    else if (key == "Draft") p.draft = value;
    else if (key == "Gamma") p.gamma = int(number(key, value));
    else if (key == "Steps") p.steps = int(number(key, value));
    else if (key == "Mask schedule") p.mask_schedule = value;
    else if (key == "Choice temperature") p.choice_temperature = number(key, value);
    else if (key == "Sampler") p.sampler = sampler_from_label(value);
    else if (key == "Eta") p.eta = number(key, value);
    else if (key == "Denoising strength") p.strength = number(key, value);
    else if (key == "CFG scale") p.cfg_scale = number(key, value);
    else if (key == "Temperature") p.temperature = number(key, value);
    else if (key == "Top-k") p.top_k = int(number(key, value));
    else if (key == "Top-p") p.top_p = number(key, value);
    else if (key == "Seed") p.seed = seed_of(value);
    else if (key == "Tokenizer") p.tokenizer = value;
    else if (key == "Text encoder") p.text_encoder = value;
    else if (key == "Upscale") {  // "4x world"
      const size_t x = value.find('x');
      if (x == std::string::npos) throw Error("parameters: Upscale is '" + value + "', expected like '4x world'");
      p.upscale = int(number(key, value.substr(0, x)));
      p.upscaler = trim(value.substr(x + 1));
    }
  }
  if (!model.empty() && model != p.model_name()) p.model = model;  // the method's default stays implicit
  return p;
}

}  // namespace jl
