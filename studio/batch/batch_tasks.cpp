#include "studio/batch/batch_tasks.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <regex>

#include "core/error.h"
#include "media_io/media_kind.h"
#include "models/model_store.h"
#include "pipelines/convert.h"
#include "pipelines/inpaint.h"
#include "pipelines/txt2img.h"
#include "pipelines/net_upscaler.h"
#include "studio/cli/commands.h"
#include "studio/cli/generation_options.h"

namespace jl::batch {
namespace {

using ojson = nlohmann::ordered_json;

std::string flag_of(const std::string& field) {
  std::string flag = "--" + field;
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

// CLI11's and validate()'s messages speak of flags; a job file speaks of fields.
std::string in_field_terms(const std::string& message) {
  static const std::regex flag("--([a-z][a-z0-9-]*)");
  std::string out;
  auto begin = std::sregex_iterator(message.begin(), message.end(), flag);
  size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    out += message.substr(last, size_t(it->position()) - last);
    std::string name = (*it)[1].str();
    std::replace(name.begin(), name.end(), '-', '_');
    out += name;
    last = size_t(it->position() + it->length());
  }
  return out + message.substr(last);
}

// Fields a batch sets itself or that make no sense per item.
std::string refused_field(const std::string& field) {
  if (field == "count") return "a batch item makes one image; give a list of seeds (or {\"from\": 0, \"count\": N}) instead";
  if (field == "preview_dir") return "previews are for a single render; not available in a batch";
  return "";
}

// Inputs are looked for before anything runs (a frame pattern such as frame_%05d.png is left to the task).
void require_inputs(const ojson& value, const std::string& where) {
  for (const ojson& v : value.is_array() ? value : ojson::array({value})) {
    const std::string path = v.get<std::string>();
    std::error_code ec;
    if (!path.empty() && path.find('%') == std::string::npos && !fs::exists(path, ec))
      throw UsageError(where + ": no such file " + path + " (paths are relative to the job file's folder)");
  }
}

// The item's fields as the command line the task's command would get, parsed by `app`.
void parse_fields(const BatchItem& item, CLI::App& app, const std::vector<std::string>& positional_fields,
                  const fs::path& output) {
  std::vector<std::string> args;
  std::vector<std::string> positionals;
  for (const auto& [field, value] : item.fields.items()) {
    const std::string& where = item.origin.count(field) ? item.origin.at(field) : item.where;
    if (const std::string why = refused_field(field); !why.empty()) throw UsageError(where + ": " + why);
    if (is_input_path_field(field)) require_inputs(value, where);
    if (std::find(positional_fields.begin(), positional_fields.end(), field) != positional_fields.end()) {
      if (value.is_array())
        for (const ojson& v : value) positionals.push_back(v.get<std::string>());
      else
        positionals.push_back(value.get<std::string>());
      continue;
    }
    const std::string flag = flag_of(field);
    const CLI::Option* option = field == "output" ? nullptr : app.get_option_no_throw(flag);
    if (!option) {
      std::string known;
      for (const CLI::Option* o : app.get_options()) {
        if (o->get_lnames().empty() || o->get_lnames().front() == "help" || o->get_lnames().front() == "output") continue;
        std::string name = o->get_lnames().front();
        std::replace(name.begin(), name.end(), '-', '_');
        if (refused_field(name).empty()) known += (known.empty() ? "" : ", ") + name;
      }
      for (const std::string& p : positional_fields) known += ", " + p;
      const std::string hint = where.find(" via defaults.") != std::string::npos
                                   ? " (defaults reach every job: put it in the sections of the tasks that take it, such as "
                                     "\"defaults\": {\"txt2img\": {...}})"
                                   : "";
      throw UsageError(where + ": unknown field \"" + field + "\" for task " + item.task + hint + "; known: " + known);
    }
    const bool is_flag = option->get_expected_min() == 0;
    if (value.is_boolean()) {
      if (!is_flag) throw UsageError(where + ": expected a value, got " + value.dump());
      if (value.get<bool>()) args.push_back(flag);
      continue;
    }
    if (is_flag) throw UsageError(where + ": a switch; write true or false, got " + value.dump());
    if (!value.is_string() && !value.is_number()) throw UsageError(where + ": expected a string or number, got " + value.dump());
    args.push_back(flag);
    args.push_back(value.is_string() ? value.get<std::string>() : value.dump());
  }
  args.push_back("--output");
  args.push_back(output.string());
  if (!positionals.empty()) args.push_back("--");
  for (const std::string& p : positionals) args.push_back(p);
  std::reverse(args.begin(), args.end());  // CLI11 takes a vector last argument first
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    throw UsageError(item.where + ": " + in_field_terms(e.what()));
  }
}

// Runs a check (validate(), name parsing) and words its error for the job file, as a UsageError.
template <typename F>
void check(const BatchItem& item, F&& f) {
  try {
    f();
  } catch (const Error& e) {  // UsageError, and the prompt parser's errors (unknown words)
    throw UsageError(item.where + ": " + in_field_terms(e.what()));
  }
}

void require_image_output(const BatchItem& item) {
  if (media::media_kind(item.output) != media::MediaKind::Image)
    throw UsageError(item.where + ": the output " + item.output.generic_string() +
                     " must be an image (.png keeps the parameters; .jpg, .webp, ...)");
}

// The checkpoints a generation needs, looked up before anything runs.
void check_models(const BatchItem& item, const Txt2ImgParams& p, models::ModelStore& store) {
  try {
    store.find(p.model_name());
    store.find(models::tokenizer_for(store, p.model_name(), p.tokenizer));
    store.find(models::text_encoder_for(store, p.model_name(), p.text_encoder));
    if (!p.draft.empty()) store.find(p.draft);
  } catch (const Error& e) {
    throw UsageError(item.where + ": " + e.what());
  }
}

// Writes a generated picture as the command does; its seed (and the judge's verdict when asked) go
// into the manifest.
nlohmann::json save(const GeneratedImage& image, const fs::path& file, const cli::GenerationArgs& args) {
  cli::save_generated(image, file, true);
  nlohmann::json extra = {{"seed", image.seed}};
  if (args.judge) {
    std::string line;
    extra["judge"] = cli::judge_generated(image.rgb, args.params.prompt, line);
  }
  return extra;
}

class Txt2ImgTask : public PreparedTask {
 public:
  Txt2ImgTask(const BatchItem& item, models::ModelStore& store) {
    require_image_output(item);
    CLI::App app;
    cli::add_generation_options(app, args_);
    parse_fields(item, app, {}, item.output);
    check(item, [&] {
      cli::finish_generation_args(args_);
      args_.params.validate();
    });
    check_models(item, args_.params, store);
  }
  nlohmann::json run(models::ModelStore& store, const fs::path& file, const Callbacks& callbacks) override {
    return save(txt2img(args_.params, store, callbacks).images.at(0), file, args_);
  }

 private:
  cli::GenerationArgs args_;
};

class InpaintTask : public PreparedTask {
 public:
  InpaintTask(const BatchItem& item, models::ModelStore& store) {
    require_image_output(item);
    CLI::App app;
    cli::add_inpaint_command_options(app, args_, region_);
    parse_fields(item, app, {}, item.output);
    check(item, [&] {
      cli::finish_generation_args(args_);
      params_ = cli::finish_inpaint_args(region_, args_);
      params_.validate();
    });
    check_models(item, params_.generation, store);
  }
  nlohmann::json run(models::ModelStore& store, const fs::path& file, const Callbacks& callbacks) override {
    return save(inpaint(params_, store, callbacks).at(0), file, args_);
  }

 private:
  cli::GenerationArgs args_;
  cli::InpaintArgs region_;
  InpaintParams params_;
};

class ConvertTask : public PreparedTask {
 public:
  explicit ConvertTask(const BatchItem& item) {
    if (media::media_kind(item.output) == media::MediaKind::Frames || item.output.string().find('%') != std::string::npos)
      throw UsageError(item.where + ": a batch output is one file; frame sequences (" + item.output.generic_string() +
                       ") are for `jielong convert`");
    CLI::App app;
    std::vector<std::string> inputs;
    cli::add_convert_options(app, params_, inputs);
    parse_fields(item, app, {"input", "inputs"}, item.output);
    params_.inputs.assign(inputs.begin(), inputs.end());
    check(item, [&] { params_.validate(); });
  }
  nlohmann::json run(models::ModelStore&, const fs::path& file, const Callbacks& callbacks) override {
    ConvertParams params = params_;
    params.output = file;
    params.overwrite = true;  // `file` is the batch's own temporary name
    const ConvertResult result = convert(params, callbacks);
    return {{"kind", result.kind}};
  }

 private:
  ConvertParams params_;
};

class UpscaleTask : public PreparedTask {
 public:
  explicit UpscaleTask(const BatchItem& item) {
    CLI::App app;
    cli::add_upscale_options(app, params_);
    parse_fields(item, app, {"input"}, item.output);
    check(item, [&] { params_.validate(); });
    if (std::filesystem::is_directory(params_.input))
      throw UsageError(item.where + ": a batch output is one file; upscale folders with `jielong upscale` or one item per picture");
  }
  nlohmann::json run(models::ModelStore& store, const fs::path& file, const Callbacks& callbacks) override {
    UpscaleParams params = params_;
    params.output = file;
    params.overwrite = true;  // `file` is the batch's own temporary name
    const UpscaleResult result = upscale(params, store, callbacks);
    return {{"width", result.width}, {"height", result.height}};
  }

 private:
  UpscaleParams params_;
};

}  // namespace

const std::vector<std::string>& task_names() {
  static const std::vector<std::string> names = {"txt2img", "inpaint", "upscale", "convert"};
  return names;
}

std::unique_ptr<PreparedTask> prepare(const BatchItem& item, models::ModelStore& store) {
  if (item.task == "txt2img") return std::make_unique<Txt2ImgTask>(item, store);
  if (item.task == "inpaint") return std::make_unique<InpaintTask>(item, store);
  if (item.task == "upscale") return std::make_unique<UpscaleTask>(item);
  if (item.task == "convert") return std::make_unique<ConvertTask>(item);
  throw UsageError(item.where + ": unknown task \"" + item.task + "\"");
}

}  // namespace jl::batch
