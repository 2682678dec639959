// `jielong train interpolator`: the InterpolationNet on frame triplets — A, the frame at t, B — whose
// true in-between is known:
//   real video (scripts/fetch-videos.sh, five triplets in eight; never the evaluation videos): three
//          frames one or two apart, as the evaluation's even/odd protocol takes them, cropped where
//          something moves; the motion of people, animals and cameras and the noise of real codecs,
//          which made-up motion lacks (a network trained on made-up motion alone lost to the classic
//          method on real video);
//   photos (scripts/fetch-photos.sh, two triplets in eight) seen by a moving camera (a shift of
//          up to 12 pixels, a turn of up to 4 degrees and a zoom of up to 6% between A and B) with up
//          to two sprites cut from other photos crossing them on straight lines (up to 20 pixels):
//          the covering and uncovering that optical flow gets wrong;
//   ShapeWorld videos (one triplet in eight): flat shapes moving, growing and shrinking.
// The kinds go by place in the batch, eight places round (a batch of 12: nine, two, one).
// Each triplet goes through the classic method's flow study (frozen: DIS is not differentiable) and
// the network learns to correct it. Loss: the mean squared error against the true frame, what PSNR
// counts: real video's error is a little codec noise everywhere and large errors at the edges of what
// moves; an L1 loss (tried first) weighs the noise as much as the edges and learned nothing in 2,000
// steps. The log shows the gain over the classic method on the same batch; each checkpoint measures it
// on triplets from the held-out ends of the videos and from the held-out photos, and on ShapeWorld's
// holdout videos.
#include <opencv2/imgproc.hpp>
#include <cmath>
#include <random>

#include "media_io/tensor_image.h"
#include "models/interpolation_net.h"
#include "pipelines/interpolate/interpolate_eval.h"
#include "pipelines/interpolate/learned_interpolation.h"
#include "training/photos.h"
#include "training/trainers.h"
#include "training/training_run.h"
#include "training/videos.h"
#include "world/render.h"
#include "world/sampler.h"

namespace jl::training {

namespace {

constexpr int kSide = 128;  // training frames are kSide x kSide

// A, the frame at t, B, and, where known, the frames one A-B interval before A and after B (empty
// otherwise: at the ends of a clip, and one time in eight on purpose, as for two pictures or a video's
// first and last pairs).
struct Triplet {
  cv::Mat a, middle, b;  // CV_8UC3
  double t = 0.5;
  cv::Mat before, after;
};

bool one_in(int n, std::mt19937_64& rng) { return rng() % uint64_t(n) == 0; }

double uniform(std::mt19937_64& rng, double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); }

cv::Mat random_crop(const cv::Mat& photo, int side, std::mt19937_64& rng) {
  const int x = int(rng() % uint64_t(std::max(1, photo.cols - side + 1))), y = int(rng() % uint64_t(std::max(1, photo.rows - side + 1)));
  cv::Mat crop = photo(cv::Rect(x, y, std::min(side, photo.cols), std::min(side, photo.rows))).clone();
  if (crop.cols != side || crop.rows != side) cv::resize(crop, crop, cv::Size(side, side));
  if (rng() % 2) cv::flip(crop, crop, 1);
  return crop;
}

// A sprite: a picture and its soft mask (CV_32F 0..1), moving from `start` by `velocity` over A -> B.
struct Sprite {
  cv::Mat picture, mask;
  cv::Point2d start, velocity;
};

Sprite random_sprite(const std::vector<cv::Mat>& photos, std::mt19937_64& rng) {
  constexpr int kBox = 48;
  Sprite s;
  s.picture = random_crop(photos[rng() % photos.size()], kBox, rng);
  s.mask = cv::Mat::zeros(kBox, kBox, CV_32F);
  const cv::Point centre(kBox / 2, kBox / 2);
  const cv::Size half(int(uniform(rng, 8, 20)), int(uniform(rng, 8, 20)));
  if (rng() % 2)
    cv::ellipse(s.mask, centre, half, uniform(rng, 0, 180), 0, 360, cv::Scalar(1), cv::FILLED, cv::LINE_AA);
  else
    cv::rectangle(s.mask, cv::Rect(centre - cv::Point(half.width, half.height), half * 2), cv::Scalar(1), cv::FILLED);
  s.start = {uniform(rng, 0, kSide - kBox), uniform(rng, 0, kSide - kBox)};
  s.velocity = {uniform(rng, -20, 20), uniform(rng, -20, 20)};
  return s;
}

// The frame at time tau (A at 0, B at 1; the frames before and after at -1 and 2): the canvas through
// the camera, then the sprites where they are.
cv::Mat photo_frame(const cv::Mat& canvas, const cv::Vec4d& camera, const std::vector<Sprite>& sprites, double tau) {
  const cv::Point2f centre(canvas.cols / 2.0f, canvas.rows / 2.0f);
  cv::Mat m = cv::getRotationMatrix2D(centre, tau * camera[2], 1 + tau * camera[3]);
  m.at<double>(0, 2) += tau * camera[0];
  m.at<double>(1, 2) += tau * camera[1];
  cv::Mat moved;
  cv::warpAffine(canvas, moved, m, canvas.size(), cv::INTER_CUBIC, cv::BORDER_REFLECT);
  cv::Mat frame;
  moved(cv::Rect((canvas.cols - kSide) / 2, (canvas.rows - kSide) / 2, kSide, kSide)).convertTo(frame, CV_32FC3);
  for (const Sprite& s : sprites) {
    const cv::Mat shift = (cv::Mat_<double>(2, 3) << 1, 0, s.start.x + tau * s.velocity.x, 0, 1, s.start.y + tau * s.velocity.y);
    cv::Mat picture, mask;
    cv::warpAffine(s.picture, picture, shift, frame.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT);
    cv::warpAffine(s.mask, mask, shift, frame.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT);
    picture.convertTo(picture, CV_32FC3);
    cv::Mat alpha;
    cv::cvtColor(mask, alpha, cv::COLOR_GRAY2RGB);
    frame = frame.mul(cv::Scalar::all(1) - alpha) + picture.mul(alpha);
  }
  cv::Mat out;
  frame.convertTo(out, CV_8UC3);
  return out;
}

Triplet photo_triplet(const std::vector<cv::Mat>& photos, std::mt19937_64& rng) {
  const cv::Mat canvas = random_crop(photos[rng() % photos.size()], 2 * kSide, rng);
  const cv::Vec4d camera(uniform(rng, -12, 12), uniform(rng, -12, 12), uniform(rng, -4, 4), uniform(rng, -0.06, 0.06));
  std::vector<Sprite> sprites;
  for (int n = int(rng() % 3); n > 0; --n) sprites.push_back(random_sprite(photos, rng));
  Triplet t;
  t.t = rng() % 2 ? 0.5 : uniform(rng, 0.2, 0.8);
  t.a = photo_frame(canvas, camera, sprites, 0);
  t.middle = photo_frame(canvas, camera, sprites, t.t);
  t.b = photo_frame(canvas, camera, sprites, 1);
  if (!one_in(8, rng)) t.before = photo_frame(canvas, camera, sprites, -1);
  if (!one_in(8, rng)) t.after = photo_frame(canvas, camera, sprites, 2);
  return t;
}

Triplet world_triplet(std::mt19937_64& rng) {
  world::Rng world_rng(rng());
  world::SampleOptions options;
  options.video = true;
  const world::SceneSpec spec = world::sample_spec(world_rng, options);
  // 17 frames, as the evaluation renders them (so k = 1 moves as far as its even/odd protocol does; a
  // pair k apart moves half as far as it did over the 9 frames rendered before neighbours were used).
  constexpr int kFrames = 17;
  const std::vector<cv::Mat> frames = world::render_video(world::layout_video(spec, kFrames, world_rng), kSide);
  const int k = 1 + int(rng() % 4), first = int(rng() % uint64_t(kFrames - 2 * k));
  Triplet t{frames[size_t(first)], frames[size_t(first + k)], frames[size_t(first + 2 * k)], 0.5, {}, {}};
  if (first - 2 * k >= 0 && !one_in(8, rng)) t.before = frames[size_t(first - 2 * k)];
  if (first + 4 * k < kFrames && !one_in(8, rng)) t.after = frames[size_t(first + 4 * k)];
  return t;
}

// Three frames k apart (k = 1, or 2 for faster motion) from a clip, with the frames 2k before and
// after them where the clip has them, the same square of each: mostly at
// the frame's own pixels, so the codec's blocks and noise reach the network as they are (resampling
// blurs them, and a network trained on resampled crops alone painted a residual that cost 0.5 dB on
// an unseen animation), one time in four shrunk by up to half (large frames move as far as small
// ones), mirrored or reversed at random, where A and B differ (a still camera's background teaches
// nothing).
Triplet video_triplet(const std::vector<Clip>& clips, std::mt19937_64& rng) {
  for (int attempt = 0;; ++attempt) {
    const Clip& clip = clips[rng() % clips.size()];
    const int k = rng() % 4 == 0 && clip.frames.size() >= 5 ? 2 : 1;
    const int first = int(rng() % uint64_t(clip.frames.size() - 2 * k));
    const cv::Size size = clip.frames[0].size();
    const double zoom = rng() % 4 == 0 ? uniform(rng, 0.5, 1.0) : 1.0;
    const int side = std::min({int(kSide / zoom), size.width, size.height});
    const cv::Rect square(int(rng() % uint64_t(size.width - side + 1)), int(rng() % uint64_t(size.height - side + 1)), side, side);
    const bool mirror = rng() % 2, reverse = rng() % 2;
    auto cut = [&](int i) {
      cv::Mat out;
      cv::resize(clip.frames[size_t(i)](square), out, cv::Size(kSide, kSide), 0, 0, cv::INTER_AREA);
      if (mirror) cv::flip(out, out, 1);
      return out;
    };
    const int frames = int(clip.frames.size());
    Triplet t{cut(first), cut(first + k), cut(first + 2 * k), 0.5, {}, {}};
    if (first - 2 * k >= 0 && !one_in(8, rng)) t.before = cut(first - 2 * k);
    if (first + 4 * k < frames && !one_in(8, rng)) t.after = cut(first + 4 * k);
    if (reverse) {
      std::swap(t.a, t.b);
      std::swap(t.before, t.after);
    }
    if (attempt < 8 && cv::norm(t.a, t.b, cv::NORM_L1) < 2.0 * kSide * kSide * 3) continue;  // under 2 levels a pixel
    return t;
  }
}

// The classic study of a batch of triplets (with their neighbours, as in a video), its in-betweens,
// and the true ones.
struct Batch {
  InterpolationInputs inputs;
  torch::Tensor classic, target;
};

Batch study(const std::vector<Triplet>& triplets) {
  std::vector<InterpolationInputs> inputs;
  std::vector<torch::Tensor> classic, target;
  for (const Triplet& t : triplets) {
    PairFlows pair = estimate_pair_flows(t.a, t.b);
    add_neighbours(pair, t.before, t.after);
    const FlowsAt flows = flows_at(pair, t.t);
    const WarpedAt warped = warp_with_neighbours_to(pair, flows);
    inputs.push_back(interpolation_inputs(pair, flows, warped, t.t));
    const cv::Mat blended = blend_warped(warped, t.t);
    classic.push_back(torch::from_blob(const_cast<float*>(blended.ptr<float>()), {1, kSide, kSide, 3}).permute({0, 3, 1, 2}).clone());
    target.push_back(media::image_to_tensor(t.middle).unsqueeze(0));
  }
  return {concatenate(inputs), torch::cat(classic), torch::cat(target)};
}

double psnr_of(const torch::Tensor& mse) { return 10 * std::log10(1 / std::max(1e-12, mse.item<double>())); }

}  // namespace

nlohmann::json train_interpolator(const TrainParams& params, const Callbacks& callbacks) {
  const auto config = config_with_overrides<models::InterpolationNetConfig>(params.model_config);
  torch::manual_seed(params.seed);
  auto net = std::make_shared<models::InterpolationNetImpl>(config);
  torch::optim::AdamW optimizer(net->parameters(), torch::optim::AdamWOptions(params.lr).betas({0.9, 0.99}).weight_decay(0));
  const Photos photos = load_photos(params.photos);
  const TrainingVideos videos = load_training_videos(params.videos);

  models::CheckpointInfo info;
  info.model = models::kInterpolationNetModel;
  info.config = config;
  info.command = params.command;
  info.dataset = "frame triplets from the " + std::to_string(videos.train.size()) +
                 " videos of scripts/fetch-videos.sh (the last eighth of each held out), triplets made from the photos of "
                 "scripts/fetch-photos.sh (" + std::to_string(photos.train.size()) + " for training, " +
                 std::to_string(photos.held_out.size()) + " held out) under camera motion with moving sprites, and ShapeWorld v1 videos (seed " +
                 std::to_string(params.seed) + ")";
  TrainingRun run(params, *net, optimizer, info, callbacks, 0.999);

  // Held-out triplets, the same at every checkpoint.
  std::vector<Triplet> held_out_photos, held_out_videos;
  {
    std::mt19937_64 rng(0x1E1D);
    for (int i = 0; i < 32; ++i) held_out_photos.push_back(photo_triplet(photos.held_out, rng));
    for (int i = 0; i < 64; ++i) held_out_videos.push_back(video_triplet(videos.held_out, rng));
  }
  const Batch photo_batch = study(held_out_photos), video_batch = study(held_out_videos);
  const auto interpolator = learned_interpolator(net);
  run.evaluate = [&]() -> nlohmann::json {
    if (params.eval_count == 0) return nlohmann::json::object();
    torch::NoGradGuard no_grad;
    auto psnr_and_gain = [&](const Batch& batch) {
      const double learned = psnr_of((synthesize(*net, batch.inputs).clamp(0, 1) - batch.target).square().mean());
      return std::pair{learned, learned - psnr_of((batch.classic - batch.target).square().mean())};
    };
    const auto [video, video_gain] = psnr_and_gain(video_batch);
    const auto [photo, photo_gain] = psnr_and_gain(photo_batch);
    const WorldInterpolationScore world = score_on_holdout_videos(*interpolator, std::min(params.eval_count, 50));
    return {{"video_psnr", video},          {"video_gain_over_classic", video_gain}, {"photo_psnr", photo},
            {"photo_gain_over_classic", photo_gain}, {"world_psnr", world.psnr},           {"world_judge_pass", world.judge_pass},
            {"world_videos", world.videos}};
  };

  while (!run.done()) {
    // The data of each step follows from the seed and the step alone, so a resumed run sees the same.
    std::mt19937_64 rng(params.seed * 1000003 + uint64_t(run.step()));
    std::vector<Triplet> triplets;
    for (int i = 0; i < params.batch; ++i) {
      const int kind = i % 8;
      triplets.push_back(kind < 5 ? video_triplet(videos.train, rng) : kind < 7 ? photo_triplet(photos.train, rng) : world_triplet(rng));
    }
    const Batch batch = study(triplets);
    run.schedule_learning_rate();
    const torch::Tensor out = synthesize(*net, batch.inputs);
    const torch::Tensor loss = (out - batch.target).square().mean();
    optimizer.zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(net->parameters(), 1.0);
    optimizer.step();
    double gain = 0;
    {
      torch::NoGradGuard no_grad;
      gain = psnr_of((out.detach().clamp(0, 1) - batch.target).square().mean()) - psnr_of((batch.classic - batch.target).square().mean());
    }
    run.finish_step({{"loss", loss.item<double>()}, {"gain_db", gain}});
  }
  return run.last_eval();
}

}  // namespace jl::training
