// choice(...), split(...) and chain(...): attacks made of other attacks.
#pragma once

#include <vector>

#include "robusthide/attack.h"

namespace robusthide {

// One child chosen uniformly at random (torch's generator) for each batch.
Attack make_choice(std::vector<Attack> children, std::string spec);

// The batch cut into children.size() equal consecutive slices; slice i goes through
// child i. Throws InvalidArgument when the batch size is not divisible.
Attack make_split(std::vector<Attack> children, std::string spec);

// The children one after another: chain(resize:0.5,jpeg:85) resizes, then compresses
// the result. A child that uses the cover gets the cover while the image still has the
// cover's size, and the current image after a step that changed the size.
Attack make_chain(std::vector<Attack> children, std::string spec);

}  // namespace robusthide
