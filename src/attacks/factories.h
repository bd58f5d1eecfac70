// Constructors of individual attacks; make_attack dispatches.
#pragma once

#include "robusthide/attack.h"
#include "util/spec.h"

namespace robusthide {

// The differentiable attacks (crop, cropout, dropout, resize, blur, noise, jpeg-mask,
// jpeg-drop, quant, diffjpeg), in differentiable.cpp. Returns nullptr when
// spec.name is none of them; throws InvalidArgument for bad parameters.
Attack make_differentiable_attack(const SpecNode& spec);

// Names accepted by make_differentiable_attack, for error messages.
const char* differentiable_attack_usage();

}  // namespace robusthide
