// blockserver/tools/check_tool.h
//
// `tessera-blockserver check --data DIR`: verifies, without modifying anything, every checksum
// of an engine data directory — the MANIFEST, every SST (header, footer, index, bloom filter,
// every data block, key order), every log/blob file record, and the value of every live blob
// address — and reports each problem on its own line ("error: ...") followed by a summary.
// Returns 0 if everything verified, 1 if anything is wrong, 2 on bad usage.
// Thread-compatible.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace tessera::blockserver::tools {

int CheckMain(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace tessera::blockserver::tools
