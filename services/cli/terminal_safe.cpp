#include "services/cli/terminal_safe.h"

#include "events/bounds.h"

namespace annals {
namespace {

// Bytes in the UTF-8 character that starts with `lead`; 1 for a byte that cannot start one.
std::size_t utf8_length(unsigned char lead) {
  if (lead < 0xC0) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return lead < 0xF8 ? 4 : 1;
}

}  // namespace

void TerminalSafeBuf::put_code_point() {
  const bool layout = pending_ == "\n" || pending_ == "\r" || pending_ == "\t";
  if (!layout && first_forbidden_char(pending_)) {
    std::string escaped = excerpt(pending_);  // \uXXXX for the one forbidden character
    out_->sputn(escaped.data(), std::streamsize(escaped.size()));
  } else {
    out_->sputn(pending_.data(), std::streamsize(pending_.size()));
  }
  pending_.clear();
}

TerminalSafeBuf::int_type TerminalSafeBuf::overflow(int_type ch) {
  if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
  unsigned char byte = static_cast<unsigned char>(ch);
  // A byte that cannot continue the pending character ends it as it is.
  if (!pending_.empty() && (byte & 0xC0) != 0x80) put_code_point();
  pending_.push_back(static_cast<char>(byte));
  if (pending_.size() >= utf8_length(static_cast<unsigned char>(pending_[0]))) put_code_point();
  return ch;
}

int TerminalSafeBuf::sync() {
  if (!pending_.empty()) put_code_point();
  return out_->pubsync();
}

}  // namespace annals
