// metaserver/api/wire_convert.h
//
// The journal's read types (journal/types.h) as the JSON API's wire messages
// (common/wire/journal_messages.h): the entry fields the protocol carries (jid, meta, device,
// delta, moved_from, covers; committed_at is not on the wire) and the page fields of a listing.
// Pure functions; thread-safe.
#pragma once

#include "common/wire/journal_messages.h"
#include "metaserver/journal/types.h"

namespace tessera::metaserver::api {

common::wire::JournalEntry ToWire(journal::Entry entry);
common::wire::ListResponse ToWire(journal::Page page);

}  // namespace tessera::metaserver::api
