#include "blockserver/tools/repair_tool.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "blockserver/engine/engine.h"
#include "blockserver/engine/manifest.h"
#include "blockserver/engine/sst_block.h"
#include "blockserver/engine/sst_builder.h"
#include "blockserver/engine/sst_reader.h"
#include "blockserver/engine/wal_format.h"
#include "blockserver/engine/wal_reader.h"
#include "common/env.h"
#include "common/lock_file.h"
#include "common/log.h"
#include "common/temp_file.h"

namespace tessera::blockserver::tools {

using namespace engine;

namespace {

std::string BaseName(const std::string& path) { return path.substr(path.rfind('/') + 1); }

class Repairer {
 public:
  Repairer(common::Env& env, std::string dir, std::ostream& out, std::ostream& err)
      : env_(env), dir_(std::move(dir)), out_(out), err_(err) {}

  int Run() {
    auto manifest = LoadManifest(env_, dir_);
    if (!manifest.ok()) {
      err_ << "error: " << manifest.status().ToString()
           << "\nrepair needs a readable MANIFEST; nothing was changed\n";
      return 1;
    }
    manifest_ = *manifest;
    auto names = env_.ListDir(dir_);
    if (!names.ok()) return Fail(names.status());
    next_number_ = manifest_.next_file_number;
    for (const std::string& name : *names) {
      const ParsedFileName p = ParseFileName(name);
      if (p.type == FileType::kLog || p.type == FileType::kSst) {
        next_number_ = std::max(next_number_, p.number + 1);
        if (p.type == FileType::kLog && p.number >= manifest_.log_number) logs_.push_back(p.number);
      }
    }
    std::sort(logs_.begin(), logs_.end());

    common::Status s = RepairLogs();
    if (s.ok()) s = RepairRuns();
    if (s.ok()) s = RepairBlobFiles();
    if (s.ok() && manifest_changed_) {
      manifest_.next_file_number = std::max(manifest_.next_file_number, next_number_);
      s = SaveManifest(env_, dir_, manifest_);
      if (s.ok()) out_ << "ok: wrote a new MANIFEST\n";
    }
    // Files the new MANIFEST no longer names go aside only now: until it was saved, the old
    // one still named them.
    for (const std::string& path : set_aside_) {
      if (!s.ok()) break;
      s = SetAside(path);
    }
    if (!s.ok()) return Fail(s);

    // Prove it: open the engine as the blockserver does (this replays the logs into an SST).
    common::Logger log(common::LogLevel::kError);
    EngineOptions options;
    options.dir = dir_;
    auto engine = Engine::Open(options, env_, log);
    if (!engine.ok()) {
      err_ << "error: after repair the engine still does not open: " << engine.status().ToString()
           << "\n";
      return 1;
    }
    s = (*engine)->Close();
    if (!s.ok()) return Fail(s);
    if (problems_ == 0) {
      out_ << "repair: nothing was damaged; " << dir_ << " opens\n";
    } else {
      out_ << "repair: " << problems_ << " problem(s) repaired; lost " << lost_log_bytes_
           << " log bytes (" << damaged_logs_ << " log(s)), " << lost_entries_
           << " SST entries and " << lost_files_ << " whole file(s); " << dir_ << " opens again\n";
    }
    return 0;
  }

 private:
  int Fail(const common::Status& s) {
    err_ << "error: " << s.ToString() << "\n";
    return 1;
  }
  void Lost(const std::string& m) {
    ++problems_;
    out_ << "lost: " << m << "\n";
  }
  void Ok(const std::string& m) { out_ << "ok: " << m << "\n"; }

  // Renames `path` to `path`.corrupt (or .corrupt.N if taken), which no engine reads.
  common::Status SetAside(const std::string& path) {
    std::string to = path + ".corrupt";
    for (int i = 1; env_.FileExists(to); ++i) to = path + ".corrupt." + std::to_string(i);
    TESSERA_RETURN_IF_ERROR(env_.RenameFile(path, to));
    TESSERA_RETURN_IF_ERROR(env_.SyncDir(dir_));
    Ok("set " + BaseName(path) + " aside as " + BaseName(to));
    return common::Status::Ok();
  }

  // Replaces `path` with its first `bytes` bytes, atomically.
  common::Status KeepPrefix(const std::string& path, const common::RandomAccessFile& src,
                            uint64_t bytes) {
    TESSERA_ASSIGN_OR_RETURN(common::TempFile tmp, common::TempFile::Create(env_, path));
    std::string buf(1 << 20, '\0');
    for (uint64_t pos = 0; pos < bytes;) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), bytes - pos));
      TESSERA_ASSIGN_OR_RETURN(std::string_view got, src.Read(pos, n, buf.data()));
      if (got.size() != n) return common::IOError("read " + path, "short read");
      TESSERA_RETURN_IF_ERROR(tmp.file().Append(got));
      pos += n;
    }
    return tmp.Publish();
  }

  // Each log that recovery replays: keep the records before its first damage.
  common::Status RepairLogs() {
    for (size_t i = 0; i < logs_.size(); ++i) {
      const bool newest = i + 1 == logs_.size();
      const std::string path = LogFileName(dir_, logs_[i]);
      TESSERA_ASSIGN_OR_RETURN(std::shared_ptr<common::RandomAccessFile> file,
                               env_.NewRandomAccessFile(path));
      WalReader reader(*file, path);
      std::string payload, problem;
      uint64_t payload_offset = 0, records = 0, good_end = 0;
      bool torn = false;
      for (;;) {
        const uint64_t before = reader.valid_end();
        auto o = reader.Next(payload, payload_offset);
        if (!o.ok()) {
          if (o.status().code() != common::Code::kCorruption) return o.status();
          problem = o.status().message();
          good_end = reader.valid_end();
          break;
        }
        if (*o == WalReader::Outcome::kEnd) break;
        if (*o == WalReader::Outcome::kTorn) {
          problem = reader.torn_reason();
          torn = true;
          good_end = reader.valid_end();
          break;
        }
        auto batch = DecodeBatchPayload(payload);
        if (!batch.ok() || reader.log_number() != logs_[i]) {
          problem = batch.ok() ? "header names log " + std::to_string(reader.log_number())
                               : batch.status().message();
          good_end = reader.log_number() != logs_[i] ? 0 : before;
          break;
        }
        ++records;
      }
      const uint64_t size = file->Size();
      if (problem.empty()) {
        Ok(BaseName(path) + ": " + std::to_string(records) + " records verified");
        continue;
      }
      const uint64_t dropped = size - good_end;
      if (good_end < wal::kHeaderBytes && torn && newest) {
        Ok(BaseName(path) + ": its header was never written (" + problem +
           "; a log made just before a crash, holding nothing acknowledged)");
        TESSERA_RETURN_IF_ERROR(SetAside(path));
        continue;
      }
      if (good_end < wal::kHeaderBytes) {
        // Nothing in it can be trusted, not even which log it is.
        Lost(BaseName(path) + ": its header is damaged (" + problem + "): all " +
             std::to_string(size) + " bytes dropped");
        ++lost_files_;
        lost_log_bytes_ += size;
        ++damaged_logs_;
        TESSERA_RETURN_IF_ERROR(SetAside(path));
        continue;
      }
      TESSERA_RETURN_IF_ERROR(KeepPrefix(path, *file, good_end));
      if (torn && newest) {
        // Recovery would drop it too: a write that was never acknowledged.
        Ok(BaseName(path) + ": kept its " + std::to_string(records) +
           " records; dropped a torn tail of " + std::to_string(dropped) + " bytes at offset " +
           std::to_string(good_end) + " (" + problem + "; a write never acknowledged)");
        continue;
      }
      Lost(BaseName(path) + ": damaged at offset " + std::to_string(good_end) + " (" + problem +
           "): kept the " + std::to_string(records) + " records before it, dropped the " +
           std::to_string(dropped) + " bytes from there to the end of the log");
      lost_log_bytes_ += dropped;
      ++damaged_logs_;
    }
    return common::Status::Ok();
  }

  // Each SST run the MANIFEST names: keep it, rewrite its readable blocks, or drop it.
  common::Status RepairRuns() {
    std::vector<uint64_t> runs;
    for (uint64_t number : manifest_.runs) {
      const std::string path = SstFileName(dir_, number);
      if (!env_.FileExists(path)) {
        Lost("the MANIFEST names " + BaseName(path) +
             ", which is missing: dropped from the MANIFEST (the blocks only it held are lost)");
        ++lost_files_;
        manifest_changed_ = true;
        continue;
      }
      auto reader = SstReader::Open(env_, path, number, nullptr);
      if (!reader.ok()) {
        Lost(BaseName(path) + " cannot be opened (" + reader.status().message() +
             "): dropped from the MANIFEST with every block it held");
        ++lost_files_;
        manifest_changed_ = true;
        set_aside_.push_back(path);
        continue;
      }
      TESSERA_ASSIGN_OR_RETURN(std::optional<uint64_t> replacement, SalvageSst(**reader));
      if (!replacement) {
        runs.push_back(number);
        continue;
      }
      manifest_changed_ = true;
      set_aside_.push_back(path);
      if (*replacement != 0) runs.push_back(*replacement);
    }
    manifest_.runs = std::move(runs);
    return common::Status::Ok();
  }

  // nullopt when every block of `sst` reads; otherwise the number of the SST now holding its
  // readable entries (0: none were readable).
  common::Result<std::optional<uint64_t>> SalvageSst(const SstReader& sst) {
    const std::string name = BaseName(sst.name());
    std::vector<std::pair<BlockId, Entry>> good;
    std::vector<std::string> damage;
    for (size_t i = 0; i < sst.index().size(); ++i) {
      auto body = sst.ReadBlock(i, false);
      if (!body.ok()) {
        damage.push_back(body.status().message());
        continue;
      }
      std::vector<std::pair<BlockId, Entry>> entries;
      BlockCursor cursor(**body);
      bool ordered = true;
      while (cursor.Next()) {
        const bool after_previous =
            (entries.empty() ? (good.empty() || good.back().first < cursor.key())
                             : entries.back().first < cursor.key());
        if (!after_previous || sst.index()[i].last_key < cursor.key()) ordered = false;
        entries.emplace_back(cursor.key(), cursor.entry());
      }
      if (!cursor.status().ok() || !ordered) {
        damage.push_back(name + ": data block " + std::to_string(i) +
                         (ordered ? ": " + cursor.status().message() : ": keys out of order"));
        continue;
      }
      for (auto& e : entries) good.push_back(std::move(e));
    }
    if (damage.empty()) {
      Ok(name + ": " + std::to_string(good.size()) + " entries verified");
      return std::optional<uint64_t>();
    }
    const uint64_t lost = sst.entry_count() > good.size() ? sst.entry_count() - good.size() : 0;
    lost_entries_ += lost;
    std::string what = name + ": " + std::to_string(damage.size()) + " of " +
                       std::to_string(sst.index().size()) + " data blocks damaged (" +
                       damage.front() + (damage.size() > 1 ? ", ..." : "") +
                       "): " + std::to_string(lost) + " of " + std::to_string(sst.entry_count()) +
                       " entries (blocks) lost";
    if (good.empty()) {
      Lost(what + "; nothing readable was left, dropped from the MANIFEST");
      return std::optional<uint64_t>(0);
    }
    const uint64_t number = next_number_++;
    const std::string path = SstFileName(dir_, number);
    TESSERA_ASSIGN_OR_RETURN(auto builder, SstBuilder::Create(env_, path, SstOptions{}));
    for (const auto& [key, entry] : good) TESSERA_RETURN_IF_ERROR(builder->Add(key, entry));
    TESSERA_RETURN_IF_ERROR(builder->Finish().status());
    Lost(what + "; the " + std::to_string(good.size()) + " readable ones rewritten to " +
         BaseName(path));
    return std::optional<uint64_t>(number);
  }

  common::Status RepairBlobFiles() {
    std::vector<uint64_t> kept;
    for (uint64_t number : manifest_.blob_files) {
      const std::string path = LogFileName(dir_, number);
      if (env_.FileExists(path)) {
        kept.push_back(number);
        continue;
      }
      Lost("the MANIFEST names blob file " + BaseName(path) +
           ", which is missing: dropped from the MANIFEST (the blocks stored in it are lost)");
      ++lost_files_;
      manifest_changed_ = true;
    }
    manifest_.blob_files = std::move(kept);
    return common::Status::Ok();
  }

  common::Env& env_;
  const std::string dir_;
  std::ostream& out_;
  std::ostream& err_;
  ManifestState manifest_;
  std::vector<uint64_t> logs_;  // replayed at open, ascending
  uint64_t next_number_ = 1;
  bool manifest_changed_ = false;
  std::vector<std::string> set_aside_;  // to set aside once the new MANIFEST is saved
  int problems_ = 0, damaged_logs_ = 0, lost_files_ = 0;
  uint64_t lost_log_bytes_ = 0, lost_entries_ = 0;
};

}  // namespace

int RepairMain(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.size() != 2 || args[0] != "--data") {
    err << "usage: repair --data DIR\n";
    return 2;
  }
  const std::string& dir = args[1];
  common::PosixEnv env;
  if (!env.FileExists(dir)) {
    err << "error: " << dir << " does not exist\n";
    return 1;
  }
  // Repair rewrites files a running server has open: never under one.
  auto lock = common::LockFile::Acquire(dir, "blockserver.lock", "tessera-blockserver");
  if (!lock.ok()) {
    err << "error: " << lock.status().message()
        << (lock.status().code() == common::Code::kConflict
                ? ": stop it before running repair (nothing was changed)"
                : "")
        << "\n";
    return 1;
  }
  return Repairer(env, dir, out, err).Run();
}

}  // namespace tessera::blockserver::tools
