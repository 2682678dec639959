#include "training/kmeans.h"

#include "core/error.h"

namespace jl::training {

torch::Tensor squared_distances(const torch::Tensor& points, const torch::Tensor& centroids) {
  return (points.pow(2).sum(1, true) - 2 * torch::matmul(points, centroids.t()) + centroids.pow(2).sum(1).unsqueeze(0))
      .clamp_min(0);
}

KMeansResult kmeans(const torch::Tensor& points, int k, int max_iterations, uint64_t seed) {
  if (points.dim() != 2 || points.size(0) < k || k < 1)
    throw Error("k-means: need at least k = " + std::to_string(k) + " points [N, D], got " + c10::str(points.sizes()));
  torch::NoGradGuard no_grad;
  const torch::Tensor x = points.to(torch::kFloat).contiguous();
  const int64_t n = x.size(0);
  auto generator = at::detail::createCPUGenerator(seed);

  // k-means++: each next centroid drawn with probability proportional to the squared distance to the
  // nearest one chosen so far.
  std::vector<int64_t> chosen = {torch::randint(n, {1}, generator, torch::kLong).item<int64_t>()};
  torch::Tensor nearest = squared_distances(x, x.index({chosen[0]}).unsqueeze(0)).squeeze(1);
  while (int(chosen.size()) < k) {
    const torch::Tensor weights = nearest.sum().item<double>() > 0 ? nearest : torch::ones_like(nearest);
    chosen.push_back(torch::multinomial(weights, 1, false, generator).item<int64_t>());
    nearest = torch::minimum(nearest, squared_distances(x, x.index({chosen.back()}).unsqueeze(0)).squeeze(1));
  }
  KMeansResult r;
  r.centroids = x.index_select(0, torch::tensor(chosen, torch::kLong)).clone();

  for (r.iterations = 0; r.iterations < max_iterations; ++r.iterations) {
    const torch::Tensor distance = squared_distances(x, r.centroids);
    const torch::Tensor assignment = distance.argmin(1);
    if (r.assignment.defined() && torch::equal(assignment, r.assignment)) break;
    r.assignment = assignment;
    const torch::Tensor sums = torch::zeros_like(r.centroids).index_add_(0, assignment, x);
    const torch::Tensor counts = torch::bincount(assignment, {}, k).to(torch::kFloat);
    r.centroids = sums / counts.clamp_min(1).unsqueeze(1);
    // An emptied cluster restarts on the point that is worst served now.
    const torch::Tensor empty = counts.eq(0).nonzero().flatten();
    if (empty.numel() > 0) {
      const torch::Tensor worst = std::get<1>(distance.gather(1, assignment.unsqueeze(1)).squeeze(1).topk(empty.numel()));
      r.centroids.index_copy_(0, empty, x.index_select(0, worst));
      r.assignment = torch::Tensor();  // the assignment must be recomputed
    }
  }
  const torch::Tensor distance = squared_distances(x, r.centroids);
  r.assignment = distance.argmin(1);
  r.inertia = std::get<0>(distance.min(1)).mean().item<double>();
  return r;
}

}  // namespace jl::training
