// k-means in libtorch: k-means++ seeding, then Lloyd iterations; an emptied cluster is restarted on
// the point its centroid fits worst. Used for the speech unit codebook.
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace jl::training {

struct KMeansResult {
  torch::Tensor centroids;   // [k, D]
  torch::Tensor assignment;  // [N] int64: each point's centroid
  double inertia = 0;        // mean squared distance of the points to their centroids
  int iterations = 0;        // Lloyd iterations run (stops early once no point changes cluster)
};

// points: [N, D] float, N >= k. Deterministic for a seed.
KMeansResult kmeans(const torch::Tensor& points, int k, int max_iterations, uint64_t seed);

// Squared distance of every point to every centroid: [N, k].
torch::Tensor squared_distances(const torch::Tensor& points, const torch::Tensor& centroids);

}  // namespace jl::training
