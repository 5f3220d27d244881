#include "common/chunker/file_assembler.h"

#include <random>

namespace tessera::common::chunker {

namespace {

std::string DirName(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string RandomHex() {
  std::random_device rd;
  const uint64_t v = (uint64_t{rd()} << 32) | rd();
  std::string out(16, '0');
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int i = 0; i < 16; ++i) out[i] = kDigits[(v >> (4 * i)) & 0xf];
  return out;
}

}  // namespace

bool IsAssemblyTempName(std::string_view file_name) {
  return file_name.starts_with(kAssemblyTempPrefix);
}

AssembledFile::~AssembledFile() {
  if (!published_) (void)env_.RemoveFile(temp_path_);  // best effort: it is only a temp file
}

Status AssembledFile::Publish() {
  TESSERA_RETURN_IF_ERROR(env_.RenameFile(temp_path_, target_path_));
  published_ = true;
  return env_.SyncDir(DirName(target_path_));
}

Result<std::unique_ptr<AssembledFile>> AssembleFile(Env& env, const std::string& target_path,
                                                    std::span<const wire::BlockRef> blocks,
                                                    const BlockSource& source) {
  const std::string dir = DirName(target_path);
  const std::string temp_path = dir + "/" + std::string(kAssemblyTempPrefix) + RandomHex();
  TESSERA_ASSIGN_OR_RETURN(auto file, env.NewWritableFile(temp_path));
  // From here on the temp file exists: `result` owns it and removes it on every early return.
  uint64_t size = 0;
  for (const auto& ref : blocks) size += ref.size;
  auto result = std::make_unique<AssembledFile>(env, temp_path, target_path, size);

  for (size_t i = 0; i < blocks.size(); ++i) {
    const wire::BlockRef& ref = blocks[i];
    auto data = source(ref.id);
    if (!data.ok()) {
      return data.status().WithContext("block " + std::to_string(i) + " (" + ref.id.ToHex() +
                                       ") of " + target_path);
    }
    if (data->size() != ref.size || BlockId::Of(*data) != ref.id) {
      return Corruption("block " + std::to_string(i) + " (" + ref.id.ToHex() + ") of " +
                        target_path + ": content does not match its id and size");
    }
    TESSERA_RETURN_IF_ERROR(file->Append(*data));
  }
  TESSERA_RETURN_IF_ERROR(file->Sync());
  TESSERA_RETURN_IF_ERROR(file->Close());
  return result;
}

Status SaveFileFromBlocks(Env& env, const std::string& target_path,
                          std::span<const wire::BlockRef> blocks, const BlockSource& source) {
  TESSERA_ASSIGN_OR_RETURN(auto assembled, AssembleFile(env, target_path, blocks, source));
  return assembled->Publish();
}

}  // namespace tessera::common::chunker
