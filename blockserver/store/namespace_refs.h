// blockserver/store/namespace_refs.h
//
// Namespace references: which namespaces hold a block. Blocks are stored once however many
// namespaces hold them (dedup at rest), but a namespace may read, or be told it has, only the
// blocks it holds: those whose bytes a writer of it uploaded (proof of possession), or that the
// metaserver vouched for. A reference is keyed like a block so the block engine can keep it:
// RefKey = SHA-256("tessera-ref\n" + ns + "\n" + block id), a domain of its own (no block's
// content hashes to it); its value names the namespace and the block again so a scan can tell
// what it stands for (engine_block_store_format.h, tag kRef). See docs/security.md.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/block_id.h"
#include "common/result.h"

namespace tessera::blockserver {

inline constexpr size_t kMaxRefNamespaceBytes = 255;

// OK for a namespace name a reference may carry: 1..255 bytes, no '\n' or '\0'.
common::Status ValidateRefNamespace(std::string_view ns);

// The engine key of "`ns` holds `id`" (ns valid).
common::BlockId RefKey(std::string_view ns, const common::BlockId& id);

// What the reference's value holds after its tag: the block id's 32 bytes, then `ns`.
std::string RefPayload(std::string_view ns, const common::BlockId& id);

}  // namespace tessera::blockserver
