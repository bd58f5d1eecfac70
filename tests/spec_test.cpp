#include <gtest/gtest.h>
#include "util/spec.h"
TEST(Spec, Placeholder) { EXPECT_EQ(robusthide::parse_spec("jpeg:50").name, "jpeg"); }
