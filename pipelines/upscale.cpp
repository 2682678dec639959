#include "pipelines/upscale.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <mutex>
#include <opencv2/imgproc.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "media_io/audio.h"
#include "media_io/image.h"
#include "media_io/media_kind.h"
#include "media_io/video.h"
#include "models/model_store.h"
#include "models/tfjs_model.h"

namespace jl {
namespace {

// The UpscalerJS packages: slim and medium are RDNs trained on pixels in 0..255, thick an RRDN on
// 0..1 (each package's getModelDefinition says so).
struct UpscalerJsModel {
  const char* name;
  double range;
};
constexpr UpscalerJsModel kUpscalerJs[] = {{"slim", 255}, {"medium", 255}, {"thick", 1}};

const UpscalerJsModel* upscalerjs(const std::string& name) {
  for (const UpscalerJsModel& m : kUpscalerJs)
    if (name == m.name) return &m;
  return nullptr;
}

}  // namespace

std::string upscaler_checkpoint(const std::string& name, int scale) { return name + "_x" + std::to_string(scale); }

double upscalerjs_input_range(const std::string& name) {
  const UpscalerJsModel* m = upscalerjs(name);
  if (!m) throw UsageError("'" + name + "' is not an UpscalerJS model (slim, medium, thick)");
  return m->range;
}

fs::path upscalerjs_model_file(const std::string& name, int scale) {
  return models::models_cache_dir() / "upscalerjs" / ("esrgan-" + name) / ("x" + std::to_string(scale)) / "model.json";
}

namespace {

class TfjsUpscaler : public Upscaler {
 public:
  TfjsUpscaler(std::shared_ptr<const models::TfjsModel> model, double range, int scale, std::string description)
      : model_(std::move(model)), range_(range), scale_(scale), description_(std::move(description)) {}
  int scale() const override { return scale_; }
  std::string description() const override { return description_; }
  cv::Mat run(const cv::Mat& rgb) const override {
    models::NhwcImage x(rgb.rows, rgb.cols, 3);  // a CV_32FC3 picture is laid out as NHWC already
    cv::Mat x_view(x.height, x.width, CV_32FC3, x.data.data());
    rgb.convertTo(x_view, CV_32FC3, range_);
    models::NhwcImage y = model_->forward(x);
    cv::Mat out;
    cv::Mat(y.height, y.width, CV_32FC3, y.data.data()).convertTo(out, CV_32FC3, 1.0 / range_);
    return out;
  }
  double flops_per_pixel() const override {  // counted on a small input once: the graph may resize inside
    std::call_once(counted_, [this] {
      constexpr int kSide = 16;
      double flops = 0;
      model_->forward(models::NhwcImage(kSide, kSide, model_->input_channels()), &flops);
      flops_per_pixel_ = flops / (kSide * kSide);
    });
    return flops_per_pixel_;
  }

 private:
  mutable std::once_flag counted_;
  mutable double flops_per_pixel_ = 0;
  std::shared_ptr<const models::TfjsModel> model_;
  double range_;
  int scale_;
  std::string description_;
};

class BicubicUpscaler : public Upscaler {
 public:
  explicit BicubicUpscaler(int scale) : scale_(scale) {}
  int scale() const override { return scale_; }
  std::string description() const override { return "bicubic"; }
  double flops_per_pixel() const override { return 0; }
  cv::Mat run(const cv::Mat& rgb) const override {
    cv::Mat out;
    cv::resize(rgb, out, cv::Size(rgb.cols * scale_, rgb.rows * scale_), 0, 0, cv::INTER_CUBIC);
    return out;
  }

 private:
  int scale_;
};

// Blending weights along one axis of a tile's output: 1 over the core, falling linearly to 0 across
// the first half of the context taken from a neighbour, 0 beyond. Every blended pixel then has at
// least half the overlap of context in each tile that contributes to it (the outer half is there
// only to feed the network); where the tile meets the picture's edge there is no context and no fall.
std::vector<float> axis_weights(int begin, int core_begin, int core_end, int end, int scale) {
  std::vector<float> w(size_t((end - begin) * scale));
  for (size_t i = 0; i < w.size(); ++i) {
    const double p = begin + (double(i) + 0.5) / scale;  // the output pixel's centre in input pixels
    double d = 0;
    if (p < core_begin) d = 2 * (core_begin - p) / (core_begin - begin);
    if (p > core_end) d = 2 * (p - core_end) / (end - core_end);
    w[i] = float(std::max(0.0, 1 - d));
  }
  return w;
}

using Clock = std::chrono::steady_clock;

cv::Mat read_rgb(const fs::path& path) { return media::to_rgb8(media::read_image(path)).pixels; }

}  // namespace

const std::vector<std::string>& upscaler_names() {
  static const std::vector<std::string> names = {"photo", "world", "slim", "medium", "thick", "bicubic"};
  return names;
}

std::vector<int> upscaler_scales(const std::string& name) {
  if (upscalerjs(name) || name == "bicubic") return {2, 3, 4, 8};
  if (name == "photo") return {2, 4};
  if (name == "world") return {4};
  return {};
}

void check_upscaler(const std::string& name, int scale) {
  const std::vector<int> scales = upscaler_scales(name);
  if (scales.empty()) {
    std::string names;
    for (const std::string& n : upscaler_names()) names += (names.empty() ? "" : ", ") + n;
    throw UsageError("unknown upscaler '" + name + "'; one of " + names);
  }
  if (std::find(scales.begin(), scales.end(), scale) == scales.end()) {
    std::string offered;
    for (int x : scales) offered += (offered.empty() ? "x" : ", x") + std::to_string(x);
    throw UsageError("--scale " + std::to_string(scale) + ": the " + name + " upscaler offers " + offered);
  }
}

bool upscaler_needs_libtorch(const std::string& name) { return name == "photo" || name == "world"; }

std::vector<UpscalerEntry> list_upscalers(const models::ModelStore& store) {
  std::vector<UpscalerEntry> entries;
  for (const std::string& name : upscaler_names())
    for (int scale : upscaler_scales(name)) {
      UpscalerEntry e{name, scale, {}, true};
      std::error_code ec;
      if (upscalerjs(name)) {
        e.path = upscalerjs_model_file(name, scale);
        e.available = fs::is_regular_file(e.path, ec);
      } else if (name != "bicubic") {
        try {
          e.path = store.find(upscaler_checkpoint(name, scale));
        } catch (const Error&) {
          e.available = false;
        }
      }
      entries.push_back(e);
    }
  return entries;
}

std::shared_ptr<const Upscaler> load_file_upscaler(const std::string& name, int scale, models::ModelStore& store) {
  check_upscaler(name, scale);
  if (name == "bicubic") return std::make_shared<BicubicUpscaler>(scale);
  if (upscaler_needs_libtorch(name)) throw Error("internal: the " + name + " upscaler is a libtorch network (load_upscaler)");

  const UpscalerJsModel* m = upscalerjs(name);
  const fs::path file = upscalerjs_model_file(name, scale);
  std::error_code ec;
  if (!fs::is_regular_file(file, ec))
    throw Error("the UpscalerJS model esrgan-" + name + " x" + std::to_string(scale) + " is not in the models cache (" +
                file.string() + "); fetch it with scripts/fetch-upscalerjs.sh (make deps runs it)");
  auto model = store.get_file<models::TfjsModel>(file, [](const fs::path& f) { return std::make_shared<models::TfjsModel>(f); });
  if (model->scale() != scale || model->input_channels() != 3 || model->output_channels() != 3)
    throw Error(file.string() + ": expected an RGB x" + std::to_string(scale) + " upscaler, found a graph of " +
                std::to_string(model->input_channels()) + " -> " + std::to_string(model->output_channels()) + " channels at x" +
                std::to_string(model->scale()));
  return std::make_shared<TfjsUpscaler>(model, m->range, scale, "@upscalerjs/esrgan-" + name + " x" + std::to_string(scale));
}

cv::Mat upscale_picture(const cv::Mat& rgb, const Upscaler& upscaler, int tile, int overlap, const Callbacks& callbacks) {
  if (rgb.type() != CV_8UC3 || rgb.empty()) throw Error("upscale: expects an 8-bit RGB picture");
  const int s = upscaler.scale();
  cv::Mat input;
  rgb.convertTo(input, CV_32FC3, 1.0 / 255);
  if (tile <= 0) tile = std::max(rgb.cols, rgb.rows);
  const int tiles_x = (rgb.cols + tile - 1) / tile, tiles_y = (rgb.rows + tile - 1) / tile;

  cv::Mat sum(rgb.rows * s, rgb.cols * s, CV_32FC3, cv::Scalar::all(0));
  cv::Mat weight_sum(rgb.rows * s, rgb.cols * s, CV_32FC1, cv::Scalar::all(0));
  for (int ty = 0; ty < tiles_y; ++ty)
    for (int tx = 0; tx < tiles_x; ++tx) {
      callbacks.throw_if_cancelled();
      const int x0 = tx * tile, y0 = ty * tile;
      const int x1 = std::min(rgb.cols, x0 + tile), y1 = std::min(rgb.rows, y0 + tile);
      const int ex0 = std::max(0, x0 - overlap), ey0 = std::max(0, y0 - overlap);
      const int ex1 = std::min(rgb.cols, x1 + overlap), ey1 = std::min(rgb.rows, y1 + overlap);
      const cv::Rect context(ex0, ey0, ex1 - ex0, ey1 - ey0);
      const cv::Mat out = upscaler.run(input(context).clone());
      if (out.rows != context.height * s || out.cols != context.width * s || out.type() != CV_32FC3)
        throw Error("upscale: " + upscaler.description() + " returned a " + std::to_string(out.cols) + "x" + std::to_string(out.rows) +
                    " tile for " + std::to_string(context.width) + "x" + std::to_string(context.height) + " at x" + std::to_string(s));
      const std::vector<float> wx = axis_weights(ex0, x0, x1, ex1, s), wy = axis_weights(ey0, y0, y1, ey1, s);
      const cv::Rect place(ex0 * s, ey0 * s, out.cols, out.rows);
      for (int y = 0; y < out.rows; ++y) {
        const cv::Vec3f* src = out.ptr<cv::Vec3f>(y);
        cv::Vec3f* dst = sum(place).ptr<cv::Vec3f>(y);
        float* wdst = weight_sum(place).ptr<float>(y);
        for (int x = 0; x < out.cols; ++x) {
          const float w = wy[size_t(y)] * wx[size_t(x)];
          dst[x] += src[x] * w;
          wdst[x] += w;
        }
      }
      callbacks.report(ty * tiles_x + tx + 1, tiles_x * tiles_y);
    }
  cv::Mat weights3, result;
  cv::merge(std::vector<cv::Mat>{weight_sum, weight_sum, weight_sum}, weights3);
  cv::divide(sum, weights3, sum);
  sum.convertTo(result, CV_8UC3, 255.0);  // rounds and saturates
  return result;
}

void UpscaleParams::validate() const {
  check_upscaler(model, scale);
  if (tile != 0 && (tile < 16 || tile > 4096)) throw UsageError("--tile must be 0 (whole picture) or 16..4096 input pixels");
  if (overlap < 0 || overlap > 256 || (tile > 0 && overlap * 2 > tile))
    throw UsageError("--overlap must be 0..256 pixels and at most half of --tile");
  if (input.empty()) throw UsageError("upscale: give an input picture, folder or video");
  if (output.empty()) throw UsageError("upscale: give an output with -o");
  std::error_code ec;
  if (!fs::exists(input, ec)) throw Error(input.string() + ": no such file or folder");
  if (fs::is_directory(input, ec)) {
    if (fs::exists(output, ec) && !fs::is_directory(output, ec))
      throw UsageError("-o " + output.string() + ": the input is a folder, so the output must be a folder");
  } else if (media::media_kind(input) == media::MediaKind::Image) {
    if (media::media_kind(output) != media::MediaKind::Image)
      throw UsageError("-o " + output.string() + ": the input is a picture, so the output must be one (.png, .jpg, .webp, ...)");
  } else if (media::media_kind(output) != media::MediaKind::Video) {
    throw UsageError("-o " + output.string() + ": the input is a video, so the output must be one (.mp4, .webm, .mkv, .mov, .gif)");
  }
}

std::string UpscaleParams::to_string() const {
  return "Upscaler: " + model + ", Scale: " + std::to_string(scale) + ", Tile: " + std::to_string(tile) +
         ", Overlap: " + std::to_string(overlap) + ", Source: " + input.filename().string();
}

UpscaleResult upscale_with(const UpscalerLoader& load, const UpscaleParams& p, models::ModelStore& store,
                           const Callbacks& callbacks) {
  p.validate();
  const auto start = Clock::now();
  const std::shared_ptr<const Upscaler> upscaler = load(p.model, p.scale, store);
  UpscaleResult result;
  result.output = p.output;
  double megapixels = 0;
  auto one = [&](const cv::Mat& rgb, const Callbacks& cb) {
    cv::Mat out = upscale_picture(rgb, *upscaler, p.tile, p.overlap, cb);
    result.width = out.cols;
    result.height = out.rows;
    megapixels += out.total() / 1e6;
    ++result.pictures;
    return out;
  };
  std::error_code ec;
  if (fs::is_directory(p.input, ec)) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(p.input, ec))
      if (entry.is_regular_file() && media::is_image_extension(media::lower_extension(entry.path()))) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    if (files.empty()) throw Error(p.input.string() + ": the folder has no pictures (.png, .jpg, .webp, .bmp, .tif)");
    if (fs::is_directory(p.output, ec))  // refuse files in the way before anything is made
      for (const fs::path& f : files) check_can_write(p.output / f.filename(), p.overwrite);
    fs::create_directories(p.output, ec);
    if (!fs::is_directory(p.output, ec)) throw Error("-o " + p.output.string() + ": cannot make this folder");
    Callbacks quiet{nullptr, callbacks.cancel, false};
    for (size_t i = 0; i < files.size(); ++i) {
      const cv::Mat out = one(read_rgb(files[i]), quiet);
      media::write_image(p.output / files[i].filename(), {out, {{"parameters", p.to_string()}}}, {95, p.overwrite});
      callbacks.report(int64_t(i + 1), int64_t(files.size()));
    }
  } else if (media::media_kind(p.input) == media::MediaKind::Image) {
    check_can_write(p.output, p.overwrite);
    const cv::Mat out = one(read_rgb(p.input), callbacks);
    media::write_image(p.output, {out, {{"parameters", p.to_string()}}}, {95, p.overwrite});
  } else {
    media::VideoReader reader(p.input);
    const media::VideoInfo info = reader.info();
    media::VideoWriteOptions options;
    options.fps = info.fps > 0 ? info.fps : 24;
    options.overwrite = p.overwrite;
    options.metadata = {{"comment", p.to_string()}};
    const media::Audio audio = info.has_audio ? media::read_audio(p.input) : media::Audio{};
    if (audio.frames() > 0) options.audio = &audio;
    std::unique_ptr<media::VideoWriter> writer;
    Callbacks quiet{nullptr, callbacks.cancel, false};
    cv::Mat frame;
    while (reader.read(frame)) {
      const cv::Mat out = one(frame, quiet);
      if (!writer) writer = std::make_unique<media::VideoWriter>(p.output, out.cols, out.rows, options);
      writer->write(out);
      callbacks.report(result.pictures, info.frames);
    }
    if (!writer) throw Error(p.input.string() + ": no video frames");
    writer->close();
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.megapixels_per_second = result.seconds > 0 ? megapixels / result.seconds : 0;
  return result;
}

}  // namespace jl
