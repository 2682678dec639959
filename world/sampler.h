// Where scenes come from: random specs for training (never a holdout prompt), and the layout solver
// that places what a spec names, keeping WORLD.md's renderer margins (0.03 N beyond every judge
// threshold) so that a faithful render is never a borderline case.
#pragma once

#include "world/random.h"
#include "world/scene.h"

namespace jl::world {

struct SampleOptions {
  bool video = false;
  bool allow_holdout = false;  // only evaluation code sets this
};

// A random spec over the whole grammar: one or two objects, optional size, position, relation and
// background, as the caption grammar allows. Never one of the holdout specs unless allow_holdout.
SceneSpec sample_spec(Rng& rng, const SampleOptions& options = {});

// Places the objects of `spec` (an image spec). Every constraint holds with margin: sizes, position
// quadrants / centre, relation, fully inside the canvas, gap between boxes >= 0.04 N; an unstated
// background, size or position is chosen at random. Throws jl::Error for a spec that cannot be laid out
// (e.g. the same color and shape twice).
Scene layout(const SceneSpec& spec, Rng& rng);

// The frames of a video spec: one object moving >= 0.33 N at constant speed, or growing / shrinking
// by a factor >= 1.7, inside the canvas in every frame. `frames` >= 2.
VideoScene layout_video(const SceneSpec& spec, int frames, Rng& rng);

}  // namespace jl::world
