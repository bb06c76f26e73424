// Writes the binary form (events/binary_codec.h) of each event given on the command line (a
// JSON file holding one event, or an .ndjson file of one event per line; submitted or
// logged) into the directory named first: seeds for the binary codec's fuzz target. Usage:
//   fuzz_binary_seeds tests/fuzz/corpus/binary_codec deploy/local/demo/dongcheng-narrative.ndjson
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "events/binary_codec.h"
#include "events/json_codec.h"

int main(int argc, char** argv) {
  using namespace annals;
  if (argc < 3) {
    std::cerr << "usage: " << argv[0] << " OUT_DIR EVENT.json...\n";
    return 2;
  }
  std::filesystem::path out(argv[1]);
  std::filesystem::create_directories(out);
  int written = 0;
  for (int i = 2; i < argc; ++i) {
    std::filesystem::path file(argv[i]);
    std::ifstream in(file);
    std::vector<std::string> docs;
    if (file.extension() == ".ndjson") {
      for (std::string line; std::getline(in, line);)
        if (!line.empty()) docs.push_back(line);
    } else {
      std::stringstream text;
      text << in.rdbuf();
      docs.push_back(text.str());
    }
    for (std::size_t k = 0; k < docs.size(); ++k) {
      Decoded d = decode_event(docs[k], Origin::submission);
      if (!d.event) d = decode_event(docs[k], Origin::log);
      if (!d.event) {
        std::cerr << file.string() << " #" << k + 1 << ": not a valid event, skipped\n";
        continue;
      }
      std::string name = file.parent_path().filename().string() + "-" + file.stem().string() +
                         (docs.size() > 1 ? "-" + std::to_string(k + 1) : "") + ".bin";
      std::ofstream(out / name, std::ios::binary) << encode_binary(*d.event);
      ++written;
    }
  }
  std::cout << written << " seeds written to " << out << "\n";
  return 0;
}
