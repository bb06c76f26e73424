// tamper_views STORE EVENT_ID POINTER VALUE: what someone with write access to the projector's
// store could do, for tests/integration/tamper_test.py to catch: rewrites the stored copy of
// one event (the events family) with the JSON field at POINTER ("/data/name") set to VALUE
// (JSON), its position and everything else kept. The projector must not be running.
#include <iostream>

#include <nlohmann/json.hpp>

#include "events/binary_codec.h"
#include "events/json_codec.h"
#include "services/views/view_store.h"

int main(int argc, char** argv) {
  using namespace annals;
  if (argc != 5) {
    std::cerr << "usage: tamper_views STORE EVENT_ID POINTER VALUE\n";
    return 2;
  }
  try {
    auto store = views::ViewStore::open_primary(argv[1]);
    auto key = views::event_key(argv[2]);
    auto stored = key ? views::Reader(*store).event_at_key(*key) : std::nullopt;
    if (!stored) {
      std::cerr << "tamper_views: no event " << argv[2] << "\n";
      return 1;
    }
    nlohmann::json doc = event_to_json(stored->event);
    doc[nlohmann::json::json_pointer(argv[3])] = nlohmann::json::parse(argv[4]);
    Decoded forged = decode_event(doc, Origin::log);
    if (!forged.event) {
      std::cerr << "tamper_views: the edited event is not valid\n";
      return 1;
    }
    views::Batch batch(*store);
    batch.put(views::Family::events, *key,
              views::encode_event_value(stored->pos, encode_binary(*forged.event)));
    if (!store->write(batch).ok()) return 1;
    std::cout << "tamper_views: event " << argv[2] << " now has " << argv[3] << " = " << argv[4]
              << "\n";
  } catch (const std::exception& e) {
    std::cerr << "tamper_views: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
