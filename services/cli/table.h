// Tables for people who live in a shell: columns aligned by display width (a Chinese
// character takes two cells), numbers right-aligned; or the same rows as CSV.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace annals {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  void print(std::ostream& out) const;
  void print_csv(std::ostream& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// Terminal cells `text` (UTF-8) takes: East Asian wide characters count two.
std::size_t display_width(const std::string& text);

}  // namespace annals
