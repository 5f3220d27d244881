// The device credential in the state dir (daemon/auth/credential_file.h): saved private (0600),
// read back, refused when others can read it or when it is not one, removed.
#include "daemon/auth/credential_file.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>

#include "tests/testutil/temp_dir.h"

namespace tessera::daemon::auth {
namespace {

DeviceCredential Sample() {
  return {"https://meta.example:8443", "alice", "dev-3f2a", "c2VjcmV0LXNlY3JldC1zZWNyZXQ"};
}

TEST_CASE("credential file: saved 0600, loaded back, removed") {
  testutil::TempDir state;
  common::PosixEnv env;
  auto none = LoadCredential(env, state.path());
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());

  REQUIRE(SaveCredential(env, state.path(), Sample()).ok());
  struct stat st {};
  REQUIRE(::stat(state.Sub("credential.json").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto got = LoadCredential(env, state.path());
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  CHECK(**got == Sample());
  CHECK(Describe(Sample()).find(Sample().secret) == std::string::npos);

  REQUIRE(RemoveCredential(env, state.path()).ok());
  CHECK_FALSE(LoadCredential(env, state.path())->has_value());
  CHECK(RemoveCredential(env, state.path()).ok());  // none: fine
}

TEST_CASE("credential file: readable by others, or not a credential, is refused") {
  testutil::TempDir state;
  common::PosixEnv env;
  REQUIRE(SaveCredential(env, state.path(), Sample()).ok());
  REQUIRE(::chmod(state.Sub("credential.json").c_str(), 0644) == 0);
  CHECK(LoadCredential(env, state.path()).status().code() == common::Code::kPermissionDenied);

  for (const char* bad :
       {"", "[]", "{\"user\":\"alice\"}",
        "{\"metaserver\":\"u\",\"user\":\"a\",\"device_id\":\"d\",\"secret\":7}"}) {
    CAPTURE(bad);
    std::ofstream(state.Sub("credential.json"), std::ios::trunc) << bad;
    REQUIRE(::chmod(state.Sub("credential.json").c_str(), 0600) == 0);
    CHECK(LoadCredential(env, state.path()).status().code() == common::Code::kCorruption);
  }
  DeviceCredential empty = Sample();
  empty.secret.clear();
  CHECK(SaveCredential(env, state.path(), empty).code() == common::Code::kInvalidArgument);
}

}  // namespace
}  // namespace tessera::daemon::auth
