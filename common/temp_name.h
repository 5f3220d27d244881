// common/temp_name.h
//
// The names of Tessera's temporary files. Every temp file a Tessera program writes beside a
// file it is about to publish (common/temp_file.h; the daemon's downloads) is called
// kTempPrefix + [tag + "-"] + 16 hex digits and lives in the target's directory, so that one
// predicate tells them apart everywhere: the daemon's scanner and watcher never sync them, the
// block engine counts them as obsolete. The daemon tags its own with a random tag kept in its
// state dir, and removes only the leftovers that carry it (IsTempNameOf): a user's file that
// merely starts with the prefix is never removed.
// Thread-safe (no shared state).
#pragma once

#include <string>
#include <string_view>

namespace tessera::common {

inline constexpr std::string_view kTempPrefix = ".tessera-tmp-";

// A fresh name: kTempPrefix + (tag + "-" unless `tag` is empty) + 16 random hex digits
// (getrandom(2)). Names are unique with overwhelming probability; create them exclusively
// (Env::CreateExclusive) all the same. `tag`: letters and digits only.
std::string TempFileName(std::string_view tag = {});

// dir + "/" + TempFileName(tag) ("" for `dir` gives the bare name, relative to a root).
std::string TempPathIn(std::string_view dir, std::string_view tag = {});

// Whether the file name (not a path) `name` has the temp files' prefix (any tag, or a name
// that only looks like one).
bool IsTempName(std::string_view name);

// Whether `name` is exactly one TempFileName(tag) gives.
bool IsTempNameOf(std::string_view name, std::string_view tag);

}  // namespace tessera::common
