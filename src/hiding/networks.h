// Fresh image-hiding networks for a config (hiding.h); src/hiding/networks.cpp.
#pragma once

#include "robusthide/hiding.h"

namespace robusthide {

// Validate the config first (InvalidArgument), then build with weights from torch's
// generator.
Hider make_hider(const HidingConfig& config);
Revealer make_revealer(const HidingConfig& config);

}  // namespace robusthide
