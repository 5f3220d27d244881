#include "metaserver/api/wire_convert.h"

#include <utility>

namespace tessera::metaserver::api {

common::wire::JournalEntry ToWire(journal::Entry entry) {
  common::wire::JournalEntry out;
  out.jid = entry.jid;
  out.meta = std::move(entry.meta);
  out.device = std::move(entry.device);
  out.delta = std::move(entry.delta);
  out.moved_from = std::move(entry.moved_from);
  out.covers = entry.covers;
  return out;
}

common::wire::ListResponse ToWire(journal::Page page) {
  common::wire::ListResponse out;
  out.entries.reserve(page.entries.size());
  for (journal::Entry& entry : page.entries) out.entries.push_back(ToWire(std::move(entry)));
  out.cursor = page.cursor;
  out.has_more = page.has_more;
  out.head = page.head;
  out.epoch = std::move(page.epoch);
  return out;
}

}  // namespace tessera::metaserver::api
