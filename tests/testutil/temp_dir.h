// tests/testutil/temp_dir.h
//
// TempDir: a fresh directory under $TMPDIR (or /tmp), removed with everything in it when the
// object dies (kept if TESSERA_KEEP_TEMP is set, for debugging). Not thread-safe.
#pragma once

#include <string>

namespace tessera::testutil {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace tessera::testutil
