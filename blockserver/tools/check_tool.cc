#include "blockserver/tools/check_tool.h"

#include <algorithm>
#include <map>
#include <set>

#include "blockserver/engine/iterator.h"
#include "blockserver/engine/manifest.h"
#include "blockserver/engine/sst_reader.h"
#include "blockserver/engine/wal_reader.h"
#include "common/crc32c.h"
#include "common/env.h"

namespace tessera::blockserver::tools {

using namespace engine;

namespace {

class Checker {
 public:
  Checker(common::Env& env, std::string dir, std::ostream& out)
      : env_(env), dir_(std::move(dir)), out_(out) {}

  int Run() {
    auto names = env_.ListDir(dir_);
    if (!names.ok()) return Error(names.status().ToString()), 1;
    auto manifest = LoadManifest(env_, dir_);
    if (!manifest.ok()) {
      Error(manifest.status().ToString());
    } else {
      manifest_ = *manifest;
      Info("MANIFEST ok: " + std::to_string(manifest_.runs.size()) + " runs, " +
           std::to_string(manifest_.blob_files.size()) + " blob files, log_number " +
           std::to_string(manifest_.log_number));
    }
    std::vector<uint64_t> logs;
    for (const std::string& name : *names) {
      const ParsedFileName p = ParseFileName(name);
      if (p.type == FileType::kSst) CheckSst(p.number);
      if (p.type == FileType::kLog) logs.push_back(p.number);
      if (p.type == FileType::kUnknown) {
        if (name.find(".corrupt") != std::string::npos) {
          Info(name + ": a damaged file `repair` set aside; not read");
        } else {
          Info("ignoring unknown file " + name);
        }
      }
    }
    std::sort(logs.begin(), logs.end());
    for (size_t i = 0; i < logs.size(); ++i) CheckLog(logs[i], i + 1 == logs.size());
    if (manifest.ok()) {
      for (uint64_t r : manifest_.runs) {
        if (!readers_.count(r) && !unreadable_ssts_.count(r)) {
          Error("MANIFEST lists run " + SstFileName(dir_, r) +
                ", missing: the blocks only it held are lost");
        }
      }
      for (uint64_t b : manifest_.blob_files) {
        if (!std::binary_search(logs.begin(), logs.end(), b)) {
          Error("MANIFEST lists blob file " + LogFileName(dir_, b) +
                ", missing: the blocks stored in it are lost");
        }
      }
      CheckOrphans();
      CheckLiveBlobs();
    }
    out_ << (errors_ == 0 ? "check: OK" : "check: " + std::to_string(errors_) + " problem(s)")
         << " (" << ssts_ << " SSTs, " << logs.size() << " logs/blob files, " << entries_
         << " SST entries, " << blobs_checked_ << " live blob values verified)\n";
    return errors_ == 0 ? 0 : 1;
  }

 private:
  void Error(const std::string& m) {
    ++errors_;
    out_ << "error: " << m << "\n";
  }
  void Info(const std::string& m) { out_ << "ok: " << m << "\n"; }

  void CheckSst(uint64_t number) {
    ++ssts_;
    const std::string path = SstFileName(dir_, number);
    auto r = SstReader::Open(env_, path, number, nullptr);
    if (!r.ok()) {
      unreadable_ssts_.insert(number);
      return Error(r.status().ToString());
    }
    auto it = (*r)->NewIterator(false);
    uint64_t n = 0;
    bool ordered = true;
    BlockId prev;
    for (; it->Valid(); it->Next(), ++n) {
      if (n > 0 && !(prev < it->key())) ordered = false;
      prev = it->key();
    }
    if (!it->status().ok()) return Error(it->status().ToString());
    if (!ordered) return Error(path + ": keys out of order");
    if (n != (*r)->entry_count()) {
      return Error(path + ": footer says " + std::to_string((*r)->entry_count()) +
                   " entries, blocks hold " + std::to_string(n));
    }
    entries_ += n;
    const bool live = std::count(manifest_.runs.begin(), manifest_.runs.end(), number) > 0;
    Info(path + ": " + std::to_string(n) + " entries verified" +
         (live ? "" : " (not in MANIFEST)"));
    if (live) {
      readers_[number] = *r;
    } else {
      orphan_ssts_[number] = *r;
    }
  }

  void CheckLog(uint64_t number, bool newest) {
    const std::string path = LogFileName(dir_, number);
    auto file = env_.NewRandomAccessFile(path);
    if (!file.ok()) return Error(file.status().ToString());
    const bool replayed = number >= manifest_.log_number;
    const bool blob_file =
        std::count(manifest_.blob_files.begin(), manifest_.blob_files.end(), number) > 0;
    // Keys a log recovery replays are part of the live view; those of a log the MANIFEST does
    // not name are checked against that view (CheckOrphans).
    std::vector<BlockId>* keys = replayed    ? &replayed_keys_
                                 : blob_file ? nullptr
                                             : &orphan_logs_[number];
    WalReader reader(**file, path);
    std::string payload;
    uint64_t offset = 0, records = 0;
    for (;;) {
      auto o = reader.Next(payload, offset);
      if (!o.ok()) return Error(o.status().ToString());
      if (*o == WalReader::Outcome::kEnd) break;
      if (*o == WalReader::Outcome::kTorn) {
        // A torn tail is expected in the newest log after a crash, and in a log that was the
        // newest at a crash and has since become a blob file (only its intact records are
        // addressed). In a log still to be replayed that is not the newest, it is damage.
        if (replayed && !newest) {
          return Error(path +
                       ": damaged record in a log that is not the newest: " + reader.torn_reason());
        }
        Info(path + ": torn tail after " + std::to_string(records) + " records (" +
             reader.torn_reason() + "); dropped at recovery");
        return;
      }
      auto batch = DecodeBatchPayload(payload);
      if (!batch.ok()) return Error(path + ": " + batch.status().ToString());
      if (keys != nullptr) {
        for (const DecodedOp& op : batch->ops) {
          if (!op.is_delete || replayed) keys->push_back(op.key);
        }
      }
      ++records;
    }
    Info(path + ": " + std::to_string(records) + " records verified" +
         (replayed || blob_file ? "" : " (not in MANIFEST)"));
  }

  // Whether the live view (the MANIFEST's runs and the logs recovery replays) has an entry for
  // `key`: then a file the MANIFEST does not name is not its only copy.
  bool Covered(const BlockId& key) {
    if (std::binary_search(replayed_keys_.begin(), replayed_keys_.end(), key)) return true;
    for (const auto& [number, reader] : readers_) {
      auto e = reader->Get(key);
      if (!e.ok() || e->has_value()) return true;  // (a damaged run is reported on its own)
    }
    return false;
  }

  // Files on disk the MANIFEST does not name are deleted at the next open. Harmless when
  // everything in them is also in the live files (a crash between writing a file and the
  // MANIFEST that names it, or before deleting compacted inputs); data loss otherwise.
  void CheckOrphans() {
    std::sort(replayed_keys_.begin(), replayed_keys_.end());
    auto report = [&](const std::string& path, uint64_t blocks, uint64_t uncovered) {
      if (uncovered == 0) {
        Info(path + " is not in the MANIFEST; its " + std::to_string(blocks) +
             " blocks are all in the live files (a leftover, deleted at the next open)");
        return;
      }
      Error(path + " is not in the MANIFEST and holds " + std::to_string(uncovered) + " of its " +
            std::to_string(blocks) +
            " blocks that no live file has: the next open deletes it (was another process "
            "writing here?); copy it away before starting the blockserver");
    };
    for (const auto& [number, reader] : orphan_ssts_) {
      uint64_t blocks = 0, uncovered = 0;
      auto it = reader->NewIterator(false);
      for (; it->Valid(); it->Next()) {
        if (it->entry().kind == EntryKind::kTombstone) continue;
        ++blocks;
        if (!Covered(it->key())) ++uncovered;
      }
      report(SstFileName(dir_, number), blocks, uncovered);
    }
    for (const auto& [number, keys] : orphan_logs_) {
      uint64_t uncovered = 0;
      for (const BlockId& key : keys) {
        if (!Covered(key)) ++uncovered;
      }
      report(LogFileName(dir_, number), keys.size(), uncovered);
    }
  }

  // Every blob address that is the newest version of its key must point at intact bytes.
  void CheckLiveBlobs() {
    std::vector<std::unique_ptr<EntryIterator>> children;
    for (uint64_t r : manifest_.runs) {
      auto it = readers_.find(r);
      if (it != readers_.end()) children.push_back(it->second->NewIterator(false));
    }
    auto merged = NewMergingIterator(std::move(children));
    std::map<uint64_t, std::shared_ptr<common::RandomAccessFile>> files;
    std::string buf;
    for (; merged->Valid(); merged->Next()) {
      if (merged->entry().kind != EntryKind::kBlob) continue;
      const BlobAddress& a = merged->entry().blob;
      auto& file = files[a.file_number];
      if (!file) {
        auto f = env_.NewRandomAccessFile(LogFileName(dir_, a.file_number));
        if (!f.ok()) {
          Error("key " + merged->key().ToHex() + " points into missing blob file " +
                std::to_string(a.file_number));
          continue;
        }
        file = std::move(*f);
      }
      if (a.offset + a.size > file->Size()) {
        Error("key " + merged->key().ToHex() + ": blob value at " +
              LogFileName(dir_, a.file_number) + " offset " + std::to_string(a.offset) + " (" +
              std::to_string(a.size) + " bytes) runs past the end of the file (" +
              std::to_string(file->Size()) + " bytes): the file was cut short");
        continue;
      }
      buf.resize(a.size);
      auto got = file->Read(a.offset, a.size, buf.data());
      if (!got.ok() || got->size() != a.size || common::crc32c::Value(*got) != a.crc) {
        Error("key " + merged->key().ToHex() + ": blob value at " +
              LogFileName(dir_, a.file_number) + " offset " + std::to_string(a.offset) +
              " is damaged");
        continue;
      }
      ++blobs_checked_;
    }
    if (!merged->status().ok()) Error(merged->status().ToString());
  }

  common::Env& env_;
  const std::string dir_;
  std::ostream& out_;
  ManifestState manifest_;
  std::map<uint64_t, std::shared_ptr<SstReader>> readers_;      // runs the MANIFEST names
  std::map<uint64_t, std::shared_ptr<SstReader>> orphan_ssts_;  // readable SSTs it does not
  std::set<uint64_t> unreadable_ssts_;
  std::vector<BlockId> replayed_keys_;                    // sorted once every log is read
  std::map<uint64_t, std::vector<BlockId>> orphan_logs_;  // keys put in logs it does not name
  int errors_ = 0;
  uint64_t ssts_ = 0, entries_ = 0, blobs_checked_ = 0;
};

}  // namespace

int CheckMain(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.size() != 2 || args[0] != "--data") {
    err << "usage: check --data DIR\n";
    return 2;
  }
  common::PosixEnv env;
  if (!env.FileExists(args[1])) {
    err << "error: " << args[1] << " does not exist\n";
    return 1;
  }
  return Checker(env, args[1], out).Run();
}

}  // namespace tessera::blockserver::tools
