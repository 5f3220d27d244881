// blockserver/tools/repair_tool.h
//
// `tessera-blockserver repair --data DIR`: makes a damaged engine data directory one the
// blockserver starts on again, keeping everything that is still readable, and prints what was
// lost. Refuses to run while a blockserver holds DIR's lock (blockserver.lock), and holds that
// lock itself while it works.
//   - A log that may hold writes not yet in an SST (numbered >= the MANIFEST's log_number):
//     every record before the first damaged one (bad checksum, bad header, torn tail) is kept;
//     the damaged record and the rest of that log are dropped (the file is rewritten with the
//     intact prefix, atomically). A log whose header is damaged is set aside whole. Later logs
//     that verify are kept as they are.
//   - An SST named by the MANIFEST with damaged data blocks: the entries of its readable
//     blocks are written to a new SST that takes its place in the MANIFEST; the damaged file
//     is set aside as NNNNNN.sst.corrupt. An SST that cannot be opened at all is set aside and
//     dropped. An SST or blob file the MANIFEST names but that is missing is dropped from it.
//   - Then the engine is opened once (replaying the logs into an SST) to prove it starts.
// Blocks lost this way are answered as missing; desktops that still hold them store them again
// (docs/safety.md). Damaged blob values (in blob files) are left alone: `check` names them and
// reads answer them as missing.
// Output: one line per finding ("lost: ...", "kept: ..."), then a summary. Returns 0 when the
// directory opens afterwards (something may have been lost: the output says what), 1 when it
// still does not or the lock is held, 2 on bad usage. Thread-compatible.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace tessera::blockserver::tools {

int RepairMain(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace tessera::blockserver::tools
