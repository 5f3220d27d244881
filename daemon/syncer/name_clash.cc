#include "daemon/syncer/name_clash.h"

#include <algorithm>
#include <string_view>

#include "common/ascii.h"
#include "daemon/syncer/local_fs.h"

namespace tessera::daemon::syncer {

namespace {

// The name in `entries` that `dir/name` resolved to (inode `inode`): one differing only in
// ASCII case when there is one (lstat()ed to be sure), else "" (another Unicode form: the
// listing is not searched entry by entry).
std::string FoldedName(common::Env& env, const common::RootDir& root, const std::string& dir,
                       const std::string& name, uint64_t inode,
                       const std::vector<common::DirEntry>& entries) {
  for (const auto& e : entries) {
    if (!common::EqualsIgnoreAsciiCase(e.name, name)) continue;
    const std::string rel = dir.empty() ? e.name : dir + "/" + e.name;
    if (auto st = env.Lstat(common::PathAt(root, rel)); st.ok() && st->inode == inode) return rel;
  }
  return "";
}

}  // namespace

common::Status CheckNameClash(common::Env& env, const common::RootDir& root, index::Index& index,
                              const std::string& rel) {
  size_t end = 0;
  while (end != std::string::npos) {
    end = rel.find('/', end + 1);
    const std::string part = rel.substr(0, end);
    auto st = env.Lstat(common::PathAt(root, part));
    if (!st.ok()) {
      if (st.status().code() == common::Code::kNotFound) return common::Status::Ok();
      return st.status().WithContext("name check");
    }
    TESSERA_ASSIGN_OR_RETURN(const auto row, index.Get(part));
    if (row && row->local && row->stat.inode == st->inode) continue;  // known by this name
    const std::string dir = ParentOf(part);
    const std::string name = part.substr(dir.empty() ? 0 : dir.size() + 1);
    TESSERA_ASSIGN_OR_RETURN(const auto entries, env.ListDirEntries(common::PathAt(root, dir)));
    if (std::any_of(entries.begin(), entries.end(),
                    [&](const common::DirEntry& e) { return e.name == name; })) {
      continue;
    }
    const std::string other = FoldedName(env, root, dir, name, st->inode, entries);
    return common::InvalidArgument(
        "'" + part + "' cannot be kept apart from " +
        (other.empty() ? std::string("another name") : "'" + other + "'") +
        " in this folder: its file system takes names that differ only in case or Unicode "
        "form for one name (rename one of them to sync both)");
  }
  return common::Status::Ok();
}

}  // namespace tessera::daemon::syncer
