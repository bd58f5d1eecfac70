#include <gtest/gtest.h>

#include "robusthide/error.h"
#include "util/spec.h"

namespace robusthide {
namespace {

TEST(Spec, NameAndPositionalParams) {
  const SpecNode s = parse_spec("jpeg:50:444");
  EXPECT_EQ(s.name, "jpeg");
  ASSERT_EQ(s.positional_count(), 2u);
  EXPECT_EQ(*s.positional(0), "50");
  EXPECT_EQ(*s.positional(1), "444");
  EXPECT_EQ(s.positional(2), nullptr);
  EXPECT_EQ(s.text, "jpeg:50:444");
}

TEST(Spec, KeyedParams) {
  const SpecNode s = parse_spec("h264:crf=30:preset=fast");
  EXPECT_EQ(s.positional_count(), 0u);
  ASSERT_NE(s.keyed("crf"), nullptr);
  EXPECT_EQ(*s.keyed("crf"), "30");
  EXPECT_EQ(*s.keyed("preset"), "fast");
  EXPECT_EQ(s.keyed("tune"), nullptr);
}

TEST(Spec, QuotedParamKeepsSeparators) {
  const SpecNode s = parse_spec(R"x(cmd:"cjpeg -quality 50 | djpeg, x:y (z)":timeout=5)x");
  EXPECT_EQ(*s.positional(0), "cjpeg -quality 50 | djpeg, x:y (z)");
  EXPECT_EQ(*s.keyed("timeout"), "5");
  const SpecNode q = parse_spec(R"(cmd:'say "hi"')");
  EXPECT_EQ(*q.positional(0), "say \"hi\"");
}

TEST(Spec, NestedChildren) {
  const SpecNode s = parse_spec("split(jpeg:10, choice(identity,jpeg-mask) ,webp:50)");
  EXPECT_EQ(s.name, "split");
  ASSERT_EQ(s.children.size(), 3u);
  EXPECT_EQ(s.children[0].text, "jpeg:10");
  EXPECT_EQ(s.children[1].name, "choice");
  ASSERT_EQ(s.children[1].children.size(), 2u);
  EXPECT_EQ(s.children[1].children[1].name, "jpeg-mask");
  EXPECT_EQ(s.children[2].text, "webp:50");
}

TEST(Spec, SyntaxErrorsNamePositionAndExpectation) {
  for (const char* bad : {"", "  ", "jpeg:", "split(jpeg:10", "split(jpeg:10,)", "jpeg:50)",
                          "cmd:\"unterminated", "(jpeg)", "h264:=3", "h264:crf="}) {
    try {
      parse_spec(bad);
      ADD_FAILURE() << "no error for '" << bad << "'";
    } catch (const InvalidArgument& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("invalid spec '" + std::string(bad) + "'"), std::string::npos) << msg;
      EXPECT_NE(msg.find("expected"), std::string::npos) << msg;
    }
  }
}

TEST(Spec, IntParamValidatesRange) {
  const SpecNode s = parse_spec("jpeg:150");
  try {
    s.int_param(s.positional(0), 1, 100, "quality");
    ADD_FAILURE() << "150 accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("quality must be an integer in 1..100, got '150'"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(parse_spec("jpeg:5x").int_param(parse_spec("jpeg:5x").positional(0), 1, 100, "q"),
               InvalidArgument);
  EXPECT_THROW(s.int_param(nullptr, 1, 100, "quality"), InvalidArgument);
  const SpecNode ok = parse_spec("jpeg:100");
  EXPECT_EQ(ok.int_param(ok.positional(0), 1, 100, "quality"), 100);
}

TEST(Spec, DoubleParamRejectsNanAndRange) {
  const SpecNode s = parse_spec("crop:0.25");
  EXPECT_DOUBLE_EQ(s.double_param(s.positional(0), 0.0, 1.0, "ratio"), 0.25);
  for (const char* bad : {"crop:nan", "crop:1.5", "crop:-0.1", "crop:0.5abc"}) {
    const SpecNode b = parse_spec(bad);
    EXPECT_THROW(b.double_param(b.positional(0), 0.0, 1.0, "ratio"), InvalidArgument) << bad;
  }
}

TEST(Spec, ExpectRejectsUnknownKeysAndExtraParams) {
  EXPECT_NO_THROW(parse_spec("h264:crf=3").expect(0, {"crf"}, "h264:crf=N"));
  EXPECT_THROW(parse_spec("h264:qp=3").expect(0, {"crf"}, "h264:crf=N"), InvalidArgument);
  EXPECT_THROW(parse_spec("webp:50:60").expect(1, {}, "webp:Q"), InvalidArgument);
  EXPECT_THROW(parse_spec("webp(jpeg)").expect(1, {}, "webp:Q"), InvalidArgument);
}

}  // namespace
}  // namespace robusthide
