// common/temp_name.h
//
// The names of Tessera's temporary files. Every temp file a Tessera program writes beside a
// file it is about to publish (common/temp_file.h; the daemon's downloads) is called
// kTempPrefix + 16 hex digits and lives in the target's directory, so that one predicate tells
// them apart everywhere: the daemon's scanner and watcher never sync them (and the scanner
// removes the ones a crash left), the block engine counts them as obsolete.
// Thread-safe (no shared state).
#pragma once

#include <string>
#include <string_view>

namespace tessera::common {

inline constexpr std::string_view kTempPrefix = ".tessera-tmp-";

// A fresh name: kTempPrefix + 16 random hex digits (getrandom(2)). Names are unique with
// overwhelming probability; create them exclusively (Env::CreateExclusive) all the same.
std::string TempFileName();

// dir + "/" + TempFileName() ("" for `dir` gives the bare name, relative to a root).
std::string TempPathIn(std::string_view dir);

// Whether the file name (not a path) `name` is one TempFileName() gives.
bool IsTempName(std::string_view name);

}  // namespace tessera::common
