#include "media_io/limits.h"

namespace jl::media {

MediaLimits& default_limits() {
  static MediaLimits limits;
  return limits;
}

}  // namespace jl::media
