#include "models/checkpoint_info.h"

#include <charconv>

#include "core/error.h"
#include "models/safetensors.h"

namespace jl::models {

namespace {

using json = nlohmann::json;

const char* const kReservedKeys[] = {"model", "config", "command", "dataset", "step"};

// Far deeper than any config; a bound keeps a crafted file from sending later code that walks the
// config recursively (dump(), lookups) into a stack overflow.
constexpr int kMaxConfigDepth = 64;

}  // namespace

std::map<std::string, std::string> CheckpointInfo::to_metadata() const {
  std::map<std::string, std::string> out = extra;
  for (const char* key : kReservedKeys)
    if (extra.count(key))
      throw Error(std::string("checkpoint metadata: extra entry '") + key + "' collides with the checkpoint field of that name");
  try {
    out["config"] = config.dump();
  } catch (const json::type_error&) {
    throw Error("checkpoint metadata: the config of model '" + model + "' holds text that is not valid UTF-8");
  }
  out["model"] = model;
  out["command"] = command;
  out["dataset"] = dataset;
  out["step"] = std::to_string(step);
  return out;
}

CheckpointInfo CheckpointInfo::from_metadata(const std::map<std::string, std::string>& metadata,
                                             const fs::path& source) {
  const std::string where = source.string();
  CheckpointInfo info;
  for (const char* key : {"model", "config"})
    if (!metadata.count(key))
      throw Error(where + ": not a Jielong checkpoint: its metadata has no '" + key + "' entry");
  info.model = metadata.at("model");

  const std::string& config_text = metadata.at("config");
  try {
    info.config = json::parse(config_text, [&](int depth, json::parse_event_t, json&) {
      if (depth > kMaxConfigDepth)
        throw Error(where + ": metadata 'config' nests deeper than " + std::to_string(kMaxConfigDepth) + " levels");
      return true;
    });
  } catch (const json::parse_error& e) {
    throw Error(where + ": metadata 'config' is not valid JSON (error at byte " + std::to_string(e.byte) + ")");
  } catch (const json::exception&) {  // e.g. a number like 1e999 that overflows a double
    throw Error(where + ": metadata 'config' is not valid JSON (a number is out of range)");
  }

  if (auto it = metadata.find("command"); it != metadata.end()) info.command = it->second;
  if (auto it = metadata.find("dataset"); it != metadata.end()) info.dataset = it->second;
  if (auto it = metadata.find("step"); it != metadata.end()) {
    const std::string& s = it->second;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), info.step);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty())
      throw Error(where + ": metadata 'step' is \"" + s.substr(0, 40) + "\", not an integer");
  }

  for (const auto& [key, value] : metadata) {
    bool reserved = false;
    for (const char* r : kReservedKeys) reserved = reserved || key == r;
    if (!reserved) info.extra.emplace(key, value);
  }
  return info;
}

CheckpointInfo read_checkpoint_info(const fs::path& path) {
  return CheckpointInfo::from_metadata(st::read_metadata(path), path);
}

}  // namespace jl::models
