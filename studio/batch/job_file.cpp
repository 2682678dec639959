#include "studio/batch/job_file.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/hash.h"

namespace jl::batch {
namespace {

using ojson = nlohmann::ordered_json;

constexpr const char* kDefaultOutput = "{task}/{job}-{item}.png";
constexpr size_t kMaxItems = 1'000'000;

[[noreturn]] void fail(const std::string& message) { throw UsageError(message); }

std::string join(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& n : names) text += (text.empty() ? "" : ", ") + n;
  return text;
}

// A job as written: its fields (defaults merged in) and, per field, where it was written.
struct Job {
  std::string where;                      // "name: jobs[2]" or "name:4"
  ojson fields;
  std::map<std::string, std::string> origin;  // field -> "jobs[2].seed" or "defaults.seed"
};

// {"from": A, "count": N} -> [A, ..., A+N-1]
ojson expand_range(const ojson& range, const std::string& where) {
  const auto from = range.find("from");
  const auto count = range.find("count");
  if (range.size() != 2 || from == range.end() || count == range.end() || !from->is_number_integer() ||
      !count->is_number_integer() || from->get<int64_t>() < 0 || count->get<int64_t>() < 1 ||
      count->get<int64_t>() > int64_t(kMaxItems))
    fail(where + ": an object value must be a range {\"from\": A, \"count\": N} with integers A >= 0 and N >= 1, got " +
         range.dump());
  ojson list = ojson::array();
  for (int64_t i = 0; i < count->get<int64_t>(); ++i) list.push_back(from->get<int64_t>() + i);
  return list;
}

bool is_scalar(const ojson& v) { return v.is_string() || v.is_number() || v.is_boolean(); }

// The values a field takes across the job's grid (one value: not an axis).
std::vector<ojson> axis_values(const std::string& field, const ojson& value, const std::string& where) {
  if (value.is_object()) {
    std::vector<ojson> values;
    for (const ojson& v : expand_range(value, where)) values.push_back(v);
    return values;
  }
  if (value.is_array()) {
    if (value.empty()) fail(where + ": an empty list; give at least one value");
    // "inputs" is itself a list of files; a list of such lists is its axis.
    if (field == "inputs" && !value.front().is_array()) {
      for (const ojson& v : value)
        if (!v.is_string()) fail(where + ": a list of file names, got " + v.dump());
      return {value};
    }
    std::vector<ojson> values;
    for (const ojson& v : value) {
      if (field == "inputs" ? !v.is_array() : !is_scalar(v))
        fail(where + ": every value of a grid list must be " +
             (field == "inputs" ? std::string("a list of file names") : "a string, number or true/false") + ", got " +
             v.dump());
      values.push_back(v);
    }
    return values;
  }
  if (!is_scalar(value)) fail(where + ": expected a string, number, true/false, list or {\"from\", \"count\"}, got " + value.dump());
  return {value};
}

fs::path resolve(const fs::path& base, const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (base / path).lexically_normal();
}

std::string placeholder_value(const ojson& value) {
  std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  std::replace(text.begin(), text.end(), '/', '_');
  std::replace(text.begin(), text.end(), '\\', '_');
  return text;
}

std::string input_stem(const ojson& fields) {
  for (const char* name : {"input", "image"})
    if (fields.contains(name) && fields[name].is_string()) return fs::path(fields[name].get<std::string>()).stem().string();
  if (fields.contains("inputs") && fields["inputs"].is_array() && !fields["inputs"].empty())
    return fs::path(fields["inputs"].front().get<std::string>()).stem().string();
  return "";
}

// "{task}/{prompt_slug}_{seed}.png" with this item's values.
fs::path expand_output(const std::string& pattern, const BatchItem& item, const ojson& written, const std::string& where) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '{') {
      if (pattern[i] == '}') fail(where + ": a lone '}' in \"" + pattern + "\"; placeholders look like {seed}");
      out += pattern[i];
      continue;
    }
    const size_t end = pattern.find('}', i);
    if (end == std::string::npos) fail(where + ": an unclosed '{' in \"" + pattern + "\"");
    const std::string name = pattern.substr(i + 1, end - i - 1);
    i = end;
    if (name == "task") out += item.task;
    else if (name == "job") out += std::to_string(item.job);
    else if (name == "item") out += std::to_string(item.item);
    else if (name == "index") out += std::to_string(item.index);
    else if (name == "prompt_slug" && written.contains("prompt")) out += slug(placeholder_value(written["prompt"]));
    else if (name == "input_stem" && !input_stem(written).empty()) out += input_stem(written);
    else if (written.contains(name) && is_scalar(written[name])) out += placeholder_value(written[name]);
    else
      fail(where + ": {" + name + "} in \"" + pattern +
           "\" is neither a field this job sets nor one of {task}, {job}, {item}, {index}, {prompt_slug}, {input_stem}");
  }
  const fs::path path = fs::path(out).lexically_normal();
  if (out.empty() || path.is_absolute() || *path.begin() == "..")
    fail(where + ": the output \"" + out + "\" must be a relative path inside the output root (--out)");
  if (!path.has_filename() || path.filename() == ".") fail(where + ": the output \"" + out + "\" names a folder, not a file");
  return path;
}

void expand_job(const Job& job, int job_index, const fs::path& base, std::vector<BatchItem>& items) {
  const std::string task = job.fields["task"].get<std::string>();
  std::vector<std::string> names;
  std::vector<std::vector<ojson>> axes;
  size_t total = 1;
  for (const auto& [field, value] : job.fields.items()) {
    if (field == "task" || field == "output") continue;
    names.push_back(field);
    axes.push_back(axis_values(field, value, job.origin.at(field)));
    total *= axes.back().size();
    if (total > kMaxItems) fail(job.where + ": the grid expands to more than " + std::to_string(kMaxItems) + " items; split it");
  }
  const std::string pattern = job.fields.contains("output") ? job.fields["output"].get<std::string>() : kDefaultOutput;
  const std::string output_where = job.fields.contains("output") ? job.origin.at("output") : job.where;

  std::vector<size_t> at(axes.size(), 0);  // odometer over the axes, the last one fastest
  for (size_t n = 0; n < total; ++n) {
    BatchItem item;
    item.job = job_index;
    item.item = int(n);
    item.index = int(items.size());
    item.task = task;
    item.where = job.where + " item " + std::to_string(n);
    item.origin = job.origin;
    ojson written = ojson::object();
    for (size_t a = 0; a < axes.size(); ++a) {
      const ojson& value = axes[a][at[a]];
      written[names[a]] = value;
      if (!is_input_path_field(names[a])) item.fields[names[a]] = value;
      else if (value.is_array()) {
        ojson paths = ojson::array();
        for (const ojson& p : value) paths.push_back(resolve(base, p.get<std::string>()).string());
        item.fields[names[a]] = paths;
      } else {
        if (!value.is_string()) fail(job.origin.at(names[a]) + ": a file name, got " + value.dump());
        item.fields[names[a]] = resolve(base, value.get<std::string>()).string();
      }
    }
    item.output = expand_output(pattern, item, written, output_where);
    // The hash covers the fields as written (input paths relative to the job file), so a job file
    // that moves with its inputs, or is run from another folder, still resumes.
    item.params_hash = hex64(fnv1a64(
        nlohmann::json{{"task", task}, {"fields", nlohmann::json::parse(written.dump())}, {"output", item.output.generic_string()}}
            .dump()));
    items.push_back(std::move(item));
    for (size_t a = axes.size(); a-- > 0;) {
      if (++at[a] < axes[a].size()) break;
      at[a] = 0;
    }
  }
}

// Splits "defaults" into what every job gets and what each task gets.
struct Defaults {
  ojson common = ojson::object();
  std::map<std::string, ojson> per_task;
};

Defaults read_defaults(const ojson& value, const std::string& where, const std::vector<std::string>& tasks) {
  if (!value.is_object()) fail(where + ": \"defaults\" must be an object of fields (or of tasks' fields), got " + value.dump());
  Defaults d;
  for (const auto& [key, v] : value.items()) {
    if (key == "task") fail(where + ": \"defaults\" cannot set the task; every job names its own");
    if (std::find(tasks.begin(), tasks.end(), key) != tasks.end()) {
      if (!v.is_object()) fail(where + ": defaults." + key + " must be an object of that task's fields, got " + v.dump());
      d.per_task[key] = v;
    } else {
      d.common[key] = v;
    }
  }
  return d;
}

Job make_job(const ojson& value, const std::string& where, const Defaults& defaults, const std::vector<std::string>& tasks) {
  if (!value.is_object()) fail(where + ": a job must be an object like {\"task\": \"txt2img\", \"prompt\": ...}, got " + value.dump());
  const auto task = value.find("task");
  if (task == value.end() || !task->is_string())
    fail(where + ": every job needs \"task\": one of " + join(tasks));
  const std::string name = task->get<std::string>();
  if (std::find(tasks.begin(), tasks.end(), name) == tasks.end())
    fail(where + ".task: unknown task \"" + name + "\"; one of " + join(tasks));
  Job job;
  job.where = where;
  job.fields["task"] = name;
  job.origin["task"] = where + ".task";
  auto merge = [&job](const ojson& fields, const std::string& prefix) {
    // Each field remembers where it was written: "jobs.json: jobs[2].seed", or for a default
    // "jobs.json: jobs[2] via defaults.seed" (the job it reached and where it came from).
    for (const auto& [key, v] : fields.items()) {
      job.fields[key] = v;
      job.origin[key] = prefix + key;
    }
  };
  merge(defaults.common, where + " via defaults.");
  if (defaults.per_task.count(name)) merge(defaults.per_task.at(name), where + " via defaults." + name + ".");
  merge(value, where + ".");
  if (job.fields.contains("output") && !job.fields["output"].is_string())
    fail(job.origin["output"] + ": the output template must be a string like \"{task}/{prompt_slug}_{seed}.png\"");
  return job;
}

}  // namespace

bool is_input_path_field(const std::string& field) {
  static const std::set<std::string> fields = {"image", "mask", "init_image", "input", "inputs", "audio"};
  return fields.count(field) > 0;
}

std::string slug(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c)) out += char(std::tolower(c));
    else if (!out.empty() && out.back() != '-') out += '-';
  }
  if (out.size() > 60) {  // cut at the last whole word that fits
    const size_t cut = out.rfind('-', 60);
    out.resize(cut != std::string::npos && cut > 0 ? cut : 60);
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "empty" : out;
}

JobFile parse_job_file(const std::string& text, const std::string& name, const fs::path& base,
                       const std::vector<std::string>& tasks) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    fail(name + ": the job file is empty; write {\"jobs\": [{\"task\": \"txt2img\", \"prompt\": \"a red circle\"}]} (docs/batch.md)");
  std::vector<Job> jobs;
  const ojson whole = ojson::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!whole.is_discarded()) {
    Defaults defaults;
    const ojson* list = &whole;
    if (whole.is_object() && !whole.contains("task")) {
      for (const auto& [key, v] : whole.items())
        if (key != "jobs" && key != "defaults")
          fail(name + ": unknown top-level key \"" + key + "\"; a job file has \"defaults\" and \"jobs\"");
      if (!whole.contains("jobs") || !whole["jobs"].is_array())
        fail(name + ": \"jobs\" must be a list of jobs like [{\"task\": \"txt2img\", \"prompt\": \"a red circle\"}]");
      if (whole.contains("defaults")) defaults = read_defaults(whole["defaults"], name + ": defaults", tasks);
      list = &whole["jobs"];
    }
    if (list->is_object()) {
      jobs.push_back(make_job(*list, name + ": jobs[0]", defaults, tasks));
    } else if (list->is_array()) {
      for (size_t i = 0; i < list->size(); ++i)
        jobs.push_back(make_job((*list)[i], name + ": jobs[" + std::to_string(i) + "]", defaults, tasks));
    } else {
      fail(name + ": expected a job file (an object with \"jobs\", a list of jobs, or JSON Lines), got " + whole.dump());
    }
  } else {
    // JSON Lines: one job per line; blank lines are skipped; a first line {"defaults": ...} sets defaults.
    std::istringstream in(text);
    std::string line;
    Defaults defaults;
    int number = 0;
    bool first = true;
    while (std::getline(in, line)) {
      ++number;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      const std::string where = name + ":" + std::to_string(number);
      ojson value;
      try {
        value = ojson::parse(line);
      } catch (const nlohmann::json::parse_error& e) {
        std::string reason = e.what();
        if (const size_t colon = reason.find("syntax error"); colon != std::string::npos) reason = reason.substr(colon);
        fail(where + ": not valid JSON (" + reason + "); the file is neither one JSON document nor JSON Lines");
      }
      if (first && value.is_object() && value.size() == 1 && value.contains("defaults")) {
        defaults = read_defaults(value["defaults"], where, tasks);
      } else {
        jobs.push_back(make_job(value, where, defaults, tasks));
      }
      first = false;
    }
  }
  if (jobs.empty()) fail(name + ": no jobs; add one like {\"task\": \"txt2img\", \"prompt\": \"a red circle\"}");

  JobFile file;
  file.path = name;
  for (size_t j = 0; j < jobs.size(); ++j) {
    expand_job(jobs[j], int(j), base, file.items);
    if (file.items.size() > kMaxItems) fail(name + ": more than " + std::to_string(kMaxItems) + " items in all; split the file");
  }
  std::map<std::string, const BatchItem*> by_output;
  for (const BatchItem& item : file.items) {
    const auto [it, fresh] = by_output.emplace(item.output.generic_string(), &item);
    if (!fresh)
      fail(item.where + " and " + it->second->where + " both write " + item.output.generic_string() +
           "; put the varying fields in the output template (for example {seed})");
  }
  return file;
}

JobFile read_job_file(const fs::path& path, const std::vector<std::string>& tasks) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw UsageError(path.string() + ": no such job file");
  if (fs::is_directory(path, ec)) throw UsageError(path.string() + " is a folder; give a job file (.json or .jsonl)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(path.string() + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  const fs::path base = path.has_parent_path() ? path.parent_path() : fs::path(".");
  return parse_job_file(text.str(), path.string(), base, tasks);
}

std::vector<BatchItem> shard(const std::vector<BatchItem>& items, int index, int count) {
  std::vector<BatchItem> mine;
  for (const BatchItem& item : items)
    if (item.index % count == index) mine.push_back(item);
  return mine;
}

}  // namespace jl::batch
