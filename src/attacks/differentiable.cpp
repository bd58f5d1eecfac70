// PLACEHOLDER (to be replaced by the real implementation)
#include "attacks/factories.h"
namespace robusthide {
Attack make_differentiable_attack(const SpecNode&) { return nullptr; }
const char* differentiable_attack_usage() { return "(none yet)"; }
}
