// What kind of media a path names, judged from its name alone (the readers then check the bytes):
// shared by `convert`, `probe` and the batch runner so that they agree on every extension.
#pragma once

#include <filesystem>
#include <string>

namespace jl::media {

enum class MediaKind { Image, Video, Audio, Frames, Unknown };

// ".PNG" -> ".png"
std::string lower_extension(const std::filesystem::path& path);

// Frames: a folder or a "%05d" pattern. Unknown: an extension none of the writers knows.
MediaKind media_kind(const std::filesystem::path& path);

}  // namespace jl::media
