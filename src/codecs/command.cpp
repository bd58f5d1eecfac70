// PLACEHOLDER (to be replaced by the real implementation)
#include "codecs/factories.h"
#include "robusthide/error.h"
namespace robusthide {
std::unique_ptr<Codec> make_command_codec(const SpecNode& spec) { throw CodecError("not implemented: " + spec.text); }
}
