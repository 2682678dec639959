// The caption grammar of WORLD.md in both directions: writing a caption for a SceneSpec (with the
// grammar's paraphrases chosen by the caller's random stream) and parsing any caption back.
#pragma once

#include <string>
#include <vector>

#include "world/random.h"
#include "world/scene.h"

namespace jl::world {

// A caption the grammar allows, paraphrases picked at random ("a"/"an"/"one", "left of"/"to the left
// of", "above"/"over", "below"/"under"; "an" before a vowel).
std::string caption(const SceneSpec& spec, Rng& rng);

// The one canonical caption of a spec (first alternative everywhere): used as its identity, for
// example in the holdout lists.
std::string canonical_caption(const SceneSpec& spec);

// Parses any case and extra spaces. Throws jl::Error on a word outside the vocabulary (the message
// names the word and lists the whole vocabulary) and on a caption the grammar does not allow (the
// message says what was expected where).
SceneSpec parse_prompt(const std::string& prompt);

// For each word of a prompt, the index of the object it describes (0 or 1, as in SceneSpec::objects;
// its article, size, color and shape), or -1 for the words of the position, relation, background and
// motion. Throws as parse_prompt does.
std::vector<int> word_objects(const std::string& prompt);

// The caption grammar (image and video captions, every paraphrase) in the Java Speech Grammar Format,
// public rule <caption>: a speech recognizer's closed-vocabulary mode hears only captions.
std::string caption_jsgf();

// Every word the grammar uses, sorted.
const std::vector<std::string>& vocabulary();

}  // namespace jl::world
