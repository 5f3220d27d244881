// metaserver/journal/types.h
//
// The journal's own value types: what a JournalStore (journal_store.h) reads and writes and
// what Journal (journal.h) answers for reads. They reuse the metadata vocabulary of
// common/wire/file_meta.h (FileMeta, FileKind, BlockRef, BlocklistDelta: plain values that the
// journal stores and the wire carries alike) but no request or response message: turning them
// into those is the API adapter's job (metaserver/api/wire_convert.h). Commits and moves are
// asked for with the protocol's own request values (wire::CommitItem, wire::MoveRequest) and
// answered with its outcomes, because those values are what the commit rules are defined over.
// Value types; thread-compatible.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/wire/file_meta.h"

namespace tessera::metaserver::journal {

using common::wire::BlocklistDelta;
using common::wire::BlockRef;
using common::wire::FileKind;
using common::wire::FileMeta;

// One journal entry: a version of a path in a namespace. Nothing in the journal is ever
// changed once written.
struct Entry {
  uint64_t jid = 0;             // strictly increasing within the namespace
  FileMeta meta;                // kFile: meta.blocks is the full list, unless `delta` is set
  std::string device;           // who committed it
  int64_t committed_at_ms = 0;  // the server's wall clock at commit (informational)
  // A subtree move entry (move_rules.h): `meta` is the new directory, `moved_from` the old one,
  // and the `covers` entries after it are the move's copies and tombstones. "" / 0 otherwise.
  std::string moved_from;
  uint64_t covers = 0;
  // Only in listings asked for with deltas: the file's list as a change to entry
  // delta->base_jid's list; meta.blocks is then empty (meta.size stays the full size).
  std::optional<BlocklistDelta> delta = std::nullopt;
  bool operator==(const Entry&) const = default;
};

// A page of entries in JID order (a namespace's listing, or one path's history).
struct Page {
  std::vector<Entry> entries;
  uint64_t cursor = 0;  // pass back to continue: the last JID looked at
  bool has_more = false;
  uint64_t head = 0;  // the namespace's latest JID in the snapshot the page was read from
  std::string epoch;  // the journal's epoch (journal_store.h)
};

// The live entries under a directory as of one JID (Journal::Tree), in bytewise path order.
struct TreePage {
  std::vector<Entry> entries;  // none is a tombstone
  uint64_t at_jid = 0;         // the JID the tree is as of
  bool has_more = false;       // more paths follow the last one returned
  std::string epoch;
};

// The latest entry of a path: its JID and kind (kDeleted for a tombstone).
struct PathState {
  uint64_t jid = 0;
  FileKind kind = FileKind::kDeleted;
  bool operator==(const PathState&) const = default;
};

// A live path (its latest entry is not a tombstone) with its latest JID.
struct LivePath {
  std::string path;
  uint64_t jid = 0;
  bool operator==(const LivePath&) const = default;
};

// A file entry's full blocklist as the store resolved it, and how many stored deltas lie
// between it and the full list it rests on (commit_rules.h keeps that chain short).
struct ResolvedBlocklist {
  std::shared_ptr<const std::vector<BlockRef>> blocks;
  int depth = 0;
};

// How a new file entry's blocklist is to be stored: whole (no delta), or as `delta` against an
// older file entry of the namespace (delta->base_jid > 0). ChooseStoredForm (commit_rules.h)
// decides; the store encodes it.
struct StoredForm {
  std::optional<BlocklistDelta> delta = std::nullopt;
};

// Who wrote the entries of one write, and when.
struct Authorship {
  std::string_view device;
  int64_t committed_at_ms = 0;
};

}  // namespace tessera::metaserver::journal
