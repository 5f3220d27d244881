// libFuzzer target: arbitrary bytes as an SST file. The reader must refuse or read them
// without crashing, hanging or allocating without bound.
#include <cstddef>
#include <cstdint>

#include "blockserver/engine/sst_reader.h"
#include "fuzz/string_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tessera::blockserver::engine;
  tessera::blockserver::engine::BlockCache cache(1 << 20);
  auto file = std::make_unique<tessera::fuzz::StringFile>(
      std::string(reinterpret_cast<const char*>(data), size));
  auto reader = SstReader::Open(std::move(file), "fuzz.sst", 1, &cache);
  if (!reader.ok()) return 0;
  auto it = (*reader)->NewIterator(true);
  int n = 0;
  for (; it->Valid() && n < 100000; it->Next(), ++n) {
    (void)(*reader)->Get(it->key());
  }
  (void)(*reader)->Get(BlockId());
  return 0;
}
