// The holdout lists are data, not code: the .txt files under assets/eval are the source of truth and
// are embedded at build time (world/embed_holdout.cmake), then parsed once on first use, so a list
// edited by hand is checked by the same parser as any prompt.
#include "world/holdout.h"

#include <sstream>
#include <string>
#include <unordered_set>

#include "core/error.h"
#include "world/caption.h"

namespace jl::world {

namespace detail {
extern const char* const kHoldoutImagesText;  // generated: holdout_lists.cpp in the build folder
extern const char* const kHoldoutVideosText;
}  // namespace detail

namespace {

std::vector<SceneSpec> parse_list(const char* text, const char* file, bool videos) {
  std::vector<SceneSpec> specs;
  std::istringstream in(text);
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = std::string(file) + ":" + std::to_string(line_no) + ": ";
    SceneSpec spec;
    try {
      spec = parse_prompt(line);
    } catch (const Error& e) {
      throw Error(where + e.what());
    }
    if (spec.is_video() != videos)
      throw Error(where + (videos ? "an image prompt in the video list" : "a video prompt in the image list"));
    specs.push_back(spec);
  }
  return specs;
}

// An exact, collision-free key for specs of one or two objects: each field is a digit in a mixed radix
// (0 = absent). Lookups stay O(1) for the sampler, which asks once per draw.
uint64_t spec_key(const SceneSpec& spec) {
  uint64_t key = spec.objects.size();
  auto digit = [&key](int value, int radix) { key = key * static_cast<uint64_t>(radix + 1) + value; };
  for (const auto& o : spec.objects) {
    digit(static_cast<int>(o.color), kColors);
    digit(static_cast<int>(o.shape), kShapes);
    digit(o.size ? static_cast<int>(*o.size) + 1 : 0, 2);
  }
  digit(spec.position ? static_cast<int>(*spec.position) + 1 : 0, kPositions);
  digit(spec.relation ? static_cast<int>(*spec.relation) + 1 : 0, kRelations);
  digit(spec.background ? static_cast<int>(*spec.background) + 1 : 0, kBackgrounds);
  digit(spec.motion ? static_cast<int>(*spec.motion) + 1 : 0, kMotions);
  return key;
}

const std::unordered_set<uint64_t>& holdout_keys() {
  static const std::unordered_set<uint64_t> keys = [] {
    std::unordered_set<uint64_t> out;
    for (const auto& s : holdout_images()) out.insert(spec_key(s));
    for (const auto& s : holdout_videos()) out.insert(spec_key(s));
    return out;
  }();
  return keys;
}

}  // namespace

const std::vector<SceneSpec>& holdout_images() {
  static const std::vector<SceneSpec> specs =
      parse_list(detail::kHoldoutImagesText, "assets/eval/holdout_images.txt", false);
  return specs;
}

const std::vector<SceneSpec>& holdout_videos() {
  static const std::vector<SceneSpec> specs =
      parse_list(detail::kHoldoutVideosText, "assets/eval/holdout_videos.txt", true);
  return specs;
}

bool is_holdout(const SceneSpec& spec) {
  // Valid specs have one or two objects; the key is only collision-free there.
  if (spec.objects.empty() || spec.objects.size() > 2) return false;
  return holdout_keys().count(spec_key(spec)) > 0;
}

}  // namespace jl::world
