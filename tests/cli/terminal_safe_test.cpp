// The `annals` command never writes a terminal escape or a bidi override from the record.
#include "services/cli/terminal_safe.h"

#include <sstream>

#include <gtest/gtest.h>

namespace annals {
namespace {

std::string filtered(const std::string& text) {
  std::ostringstream sink;
  {
    TerminalSafeGuard guard(sink);
    sink << text;
  }
  return sink.str();
}

TEST(TerminalSafe, EscapesControlAndBidiCharactersAndKeepsTheRest) {
  EXPECT_EQ(filtered("史家胡同小学\t208\n"), "史家胡同小学\t208\n");
  EXPECT_EQ(filtered("\x1b[2J\x1b]0;owned\x07"), "\\u001B[2J\\u001B]0;owned\\u0007");
  EXPECT_EQ(filtered("\xe2\x80\xae"
                     "lmth.exe"),
            "\\u202Elmth.exe");
  EXPECT_EQ(filtered("a\xc2\x9b"
                     "31m"),
            "a\\u009B31m");  // C1 CSI
  EXPECT_EQ(filtered(std::string("nul\0!", 5)), "nul\\u0000!");
  EXPECT_EQ(filtered("{\"name\":\"\xe2\x81\xa6x\"}"), "{\"name\":\"\\u2066x\"}");
}

}  // namespace
}  // namespace annals
