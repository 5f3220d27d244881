// libFuzzer target: arbitrary bytes as a log file, read the way recovery reads it (records,
// then batch payloads). Must end in a record list, a torn tail or a Corruption status, never a
// crash, hang or unbounded allocation.
#include <cstddef>
#include <cstdint>

#include "blockserver/engine/wal_reader.h"
#include "fuzz/string_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tessera::blockserver::engine;
  tessera::fuzz::StringFile file(std::string(reinterpret_cast<const char*>(data), size));
  WalReader reader(file, "fuzz.log");
  std::string payload;
  uint64_t offset = 0;
  for (;;) {
    auto outcome = reader.Next(payload, offset);
    if (!outcome.ok() || *outcome != WalReader::Outcome::kRecord) break;
    auto batch = DecodeBatchPayload(payload);
    if (!batch.ok()) break;
  }
  // The payload decoder alone, on the raw input too.
  (void)DecodeBatchPayload(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
