#include "studio/gui/settings.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/atomic_file.h"
#include "pipelines/samplers/sampler.h"

namespace jl::gui {

using nlohmann::json;

StudioSettings::StudioSettings() {
  generation.prompt = "a large red circle on a white background";
  inpaint.generation.method = Txt2ImgMethod::MaskGit;
  inpaint.generation.strength = 1;  // as `jielong inpaint`: the masked area is redrawn from noise unless told otherwise
  output_dir = default_output_dir();
}

fs::path default_config_dir() {
  if (const char* dir = std::getenv("JIELONG_CONFIG_DIR"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) return fs::path(xdg) / "jielong";
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".config" / "jielong";
  return fs::current_path() / ".jielong";
}

fs::path default_output_dir() {
  if (const char* home = std::getenv("HOME"); home && *home) {
    const fs::path pictures = fs::path(home) / "Pictures";
    std::error_code ec;
    if (fs::is_directory(pictures, ec)) return pictures / "jielong";
  }
  return fs::current_path() / "outputs";
}

namespace {

json to_json(const StudioSettings& s) {
  const Txt2ImgParams& g = s.generation;
  json j;
  j["generation"] = {{"prompt", g.prompt},
                     {"negative_prompt", g.negative_prompt},
                     {"method", name_of(g.method)},
                     {"speculative", s.speculative},
                     {"steps", g.steps},
                     {"cfg_scale", g.cfg_scale ? json(*g.cfg_scale) : json()},
                     {"temperature", g.temperature ? json(*g.temperature) : json()},
                     {"sampler", samplers::name_of(g.sampler)},
                     {"seed", g.seed},
                     {"random_seed", s.random_seed},
                     {"count", g.count},
                     {"upscale", g.upscale},
                     {"upscaler", g.upscaler}};
  const InpaintParams& p = s.inpaint;
  j["inpaint"] = {{"method", name_of(p.generation.method)},
                  {"mask_blur", p.mask_blur},
                  {"masked_content", name_of(p.masked_content)},
                  {"area", name_of(p.area)},
                  {"only_masked_padding", p.only_masked_padding},
                  {"strength", p.generation.strength}};
  j["upscale"] = {{"model", s.upscaler}, {"scale", s.upscale_scale}};
  j["brush"] = {{"size", s.brush_size}, {"hardness", s.brush_hardness}};
  j["output_dir"] = s.output_dir.string();
  j["window"] = {{"x", s.window_x}, {"y", s.window_y}, {"width", s.window_width}, {"height", s.window_height}};
  return j;
}

template <class T>
void read(const json& j, const char* key, T& into) {
  if (j.is_object() && j.contains(key) && !j[key].is_null()) into = j[key].get<T>();
}

StudioSettings from_json(const json& j) {
  StudioSettings s;
  const json g = j.value("generation", json::object());
  Txt2ImgParams& p = s.generation;
  read(g, "prompt", p.prompt);
  read(g, "negative_prompt", p.negative_prompt);
  if (g.contains("method")) p.method = parse_txt2img_method(g["method"].get<std::string>());
  read(g, "speculative", s.speculative);
  read(g, "steps", p.steps);
  if (g.contains("cfg_scale") && !g["cfg_scale"].is_null()) p.cfg_scale = g["cfg_scale"].get<double>();
  if (g.contains("temperature") && !g["temperature"].is_null()) p.temperature = g["temperature"].get<double>();
  if (g.contains("sampler")) p.sampler = samplers::parse_sampler(g["sampler"].get<std::string>());
  read(g, "seed", p.seed);
  read(g, "random_seed", s.random_seed);
  read(g, "count", p.count);
  read(g, "upscale", p.upscale);
  read(g, "upscaler", p.upscaler);
  const json i = j.value("inpaint", json::object());
  if (i.contains("method")) s.inpaint.generation.method = parse_txt2img_method(i["method"].get<std::string>());
  read(i, "mask_blur", s.inpaint.mask_blur);
  if (i.contains("masked_content")) s.inpaint.masked_content = parse_masked_content(i["masked_content"].get<std::string>());
  if (i.contains("area")) s.inpaint.area = parse_inpaint_area(i["area"].get<std::string>());
  read(i, "only_masked_padding", s.inpaint.only_masked_padding);
  read(i, "strength", s.inpaint.generation.strength);
  const json u = j.value("upscale", json::object());
  read(u, "model", s.upscaler);
  read(u, "scale", s.upscale_scale);
  const json b = j.value("brush", json::object());
  read(b, "size", s.brush_size);
  read(b, "hardness", s.brush_hardness);
  if (j.contains("output_dir") && j["output_dir"].is_string() && !j["output_dir"].get<std::string>().empty())
    s.output_dir = j["output_dir"].get<std::string>();
  const json w = j.value("window", json::object());
  read(w, "x", s.window_x);
  read(w, "y", s.window_y);
  read(w, "width", s.window_width);
  read(w, "height", s.window_height);
  // Values a hand-edited file could put out of the controls' ranges come back into them (the
  // generation parameters are checked by validate() when used, with a message).
  s.brush_size = std::clamp(s.brush_size, 1.0f, 128.0f);
  s.brush_hardness = std::clamp(s.brush_hardness, 0.0f, 1.0f);
  s.generation.count = std::clamp(s.generation.count, 1, 16);
  s.generation.steps = std::clamp(s.generation.steps, 0, 100);
  if (s.generation.upscale != 1 && s.generation.upscale != 2 && s.generation.upscale != 3 && s.generation.upscale != 4 &&
      s.generation.upscale != 8)
    s.generation.upscale = 1;  // the Generate panel offers these
  s.inpaint.mask_blur = std::clamp(s.inpaint.mask_blur, 0, 64);
  s.inpaint.only_masked_padding = std::clamp(s.inpaint.only_masked_padding, 0, 256);
  s.inpaint.generation.strength = std::clamp(s.inpaint.generation.strength, 0.05, 1.0);
  return s;
}

}  // namespace

StudioSettings load_settings(const fs::path& file, std::string* problem) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return StudioSettings{};
  try {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    const json j = json::parse(text.str());
    if (!j.is_object()) throw std::runtime_error("not a JSON object");
    return from_json(j);
  } catch (const std::exception& e) {
    if (problem)
      *problem = "settings " + file.string() + " could not be read (" + e.what() + "); using the defaults (they are saved on exit)";
    return StudioSettings{};
  }
}

void save_settings(const fs::path& file, const StudioSettings& settings) {
  fs::create_directories(file.parent_path());
  write_file_atomic(file, to_json(settings).dump(2) + "\n", /*overwrite=*/true);
}

}  // namespace jl::gui
