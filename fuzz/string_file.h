// fuzz/string_file.h
//
// StringFile: a RandomAccessFile over bytes in memory, so fuzz targets feed readers without
// touching the disk. Thread-compatible; the bytes are owned.
#pragma once

#include <algorithm>
#include <cstring>
#include <string>

#include "common/env.h"

namespace tessera::fuzz {

class StringFile final : public common::RandomAccessFile {
 public:
  explicit StringFile(std::string data) : data_(std::move(data)) {}
  common::Result<std::string_view> Read(uint64_t offset, size_t n, char* scratch) const override {
    if (offset >= data_.size()) return std::string_view(scratch, 0);
    const size_t len = std::min<uint64_t>(n, data_.size() - offset);
    std::memcpy(scratch, data_.data() + offset, len);
    return std::string_view(scratch, len);
  }
  uint64_t Size() const override { return data_.size(); }

 private:
  std::string data_;
};

}  // namespace tessera::fuzz
