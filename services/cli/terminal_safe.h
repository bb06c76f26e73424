// What the `annals` command writes is safe for a terminal: a value from the record that
// holds an escape sequence (ESC [ ...), another control character or a bidirectional
// override (U+202E and the rest, events/bounds.h) is written as \uXXXX instead, so that it
// can neither drive the terminal nor reorder what the reader sees. Line breaks and tabs
// that the command writes itself pass. The JSON the command prints stays equivalent (a
// \uXXXX escape inside a JSON string is the same character).
#pragma once

#include <ostream>
#include <streambuf>
#include <string>

namespace annals {

class TerminalSafeBuf : public std::streambuf {
 public:
  // Filters what is written through this buffer into `out` (which it does not own).
  explicit TerminalSafeBuf(std::streambuf* out) : out_(out) {}
  ~TerminalSafeBuf() override { sync(); }

 protected:
  int_type overflow(int_type ch) override;
  int sync() override;

 private:
  void put_code_point();
  std::streambuf* out_;
  std::string pending_;  // the bytes of one UTF-8 character not yet complete
};

// Routes `stream` through a TerminalSafeBuf until the returned guard is destroyed.
class TerminalSafeGuard {
 public:
  explicit TerminalSafeGuard(std::ostream& stream)
      : stream_(stream), original_(stream.rdbuf()), filter_(original_) {
    stream_.rdbuf(&filter_);
  }
  ~TerminalSafeGuard() {
    stream_.flush();
    stream_.rdbuf(original_);
  }
  TerminalSafeGuard(const TerminalSafeGuard&) = delete;
  TerminalSafeGuard& operator=(const TerminalSafeGuard&) = delete;

 private:
  std::ostream& stream_;
  std::streambuf* original_;
  TerminalSafeBuf filter_;
};

}  // namespace annals
