// blockserver/tools/sst_tool.h
//
// `tessera-blockserver sst dump FILE [--json]` and `tessera-blockserver sst load JSON OUT` as
// functions, so the blockserver's main and the tests call the same code. Dump prints the header,
// sparse index, bloom filter statistics and every entry; load writes an SST back from the JSON,
// keeping the dumped block boundaries, so dump(load(dump(f))) == dump(f).
// Each returns a process exit code (0 ok, 1 failure, 2 usage) and writes errors to `err`.
// Thread-compatible (no shared state).
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace tessera::blockserver::tools {

// args: FILE [--json]. Without --json prints a human-readable summary and one line per entry.
int SstDumpMain(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
// args: JSON OUT. JSON is a file in the format `sst dump --json` prints.
int SstLoadMain(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace tessera::blockserver::tools
