// JSON text written as it goes (json_writer.h).
#include "services/http/json_writer.h"

#include <array>
#include <cmath>

namespace annals {

namespace {

// True when `text` goes between quotes as it is: printable ASCII without '"' or '\'.
bool plain(std::string_view text) {
  for (unsigned char c : text)
    if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') return false;
  return true;
}

std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

void JsonWriter::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (first_.empty()) return;
  if (!first_.back()) out_ += ',';
  first_.back() = false;
}

JsonWriter& JsonWriter::open(char bracket) {
  separate();
  out_ += bracket;
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::close(char bracket) {
  out_ += bracket;
  first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  value(name);
  out_ += ':';
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view text) {
  separate();
  if (plain(text)) {
    out_ += '"';
    out_ += text;
    out_ += '"';
  } else {
    out_ += dump(nlohmann::json(text));
  }
  return *this;
}

JsonWriter& JsonWriter::value(double x) {
  separate();
  if (!std::isfinite(x)) {  // as nlohmann's serializer writes them
    out_ += "null";
    return *this;
  }
  // The shortest text that reads back as `x`, by the same function nlohmann's serializer
  // calls for a number (its dump_float), without a document and a string per number.
  std::array<char, 64> text;
  out_.append(text.data(), nlohmann::detail::to_chars(text.data(), text.data() + text.size(), x));
  return *this;
}

JsonWriter& JsonWriter::value(bool b) {
  separate();
  out_ += b ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::value(const nlohmann::json& document) {
  separate();
  out_ += dump(document);
  return *this;
}

JsonWriter& JsonWriter::null() {
  separate();
  out_ += "null";
  return *this;
}

std::string JsonWriter::take() {
  first_.clear();
  after_key_ = false;
  std::string text = std::move(out_);
  out_.clear();
  return text;
}

}  // namespace annals
