// blockserver/tools/check_tool.h
//
// `tessera-blockserver check --data DIR`: verifies, without modifying anything, every checksum
// of an engine data directory — the MANIFEST, every SST (header, footer, index, bloom filter,
// every data block, key order), every log/blob file record, and the value of every live blob
// address — and where the MANIFEST and the files disagree: files it names that are missing,
// blob values past the end of a file that was cut short, and files it does not name (orphans,
// which the next open deletes: an error when they hold blocks no live file has). Each problem
// is reported on its own line ("error: ...") followed by a summary.
// Returns 0 if everything verified, 1 if anything is wrong, 2 on bad usage.
// Thread-compatible.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace tessera::blockserver::tools {

int CheckMain(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace tessera::blockserver::tools
