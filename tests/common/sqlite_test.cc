// common/sqlite/sqlite.h against real SQLite files: the error mapping, checked binds, statement
// reuse and transactions.
#include "common/sqlite/sqlite.h"

#include <doctest/doctest.h>

#include "tests/testutil/temp_dir.h"

namespace tessera::common::sqlite {
namespace {

SqliteDb OpenOrDie(const std::string& path, int busy_timeout_ms = 5000) {
  auto db = SqliteDb::Open(path, busy_timeout_ms);
  REQUIRE_MESSAGE(db.ok(), db.status().ToString());
  return std::move(*db);
}

struct Fixture {
  testutil::TempDir dir;
  std::string path = dir.Sub("t.db");
  SqliteDb db = OpenOrDie(path);
  Fixture() {
    REQUIRE(db.QueryText("PRAGMA journal_mode=WAL").value() == "wal");
    REQUIRE(db.Exec("CREATE TABLE t (k TEXT PRIMARY KEY, v ANY) STRICT").ok());
  }
  int64_t Count() { return db.QueryInt("SELECT count(*) FROM t").value(); }
};

TEST_CASE("sqlite: each kind of SQLite error maps to one Status code") {
  Fixture f;
  SUBCASE("a constraint is InvalidArgument") {
    REQUIRE(f.db.Exec("INSERT INTO t VALUES ('a', 1)").ok());
    CHECK(f.db.Exec("INSERT INTO t VALUES ('a', 2)").code() == Code::kInvalidArgument);
  }
  SUBCASE("the write lock held elsewhere is Unavailable") {
    SqliteDb other = OpenOrDie(f.path, /*busy_timeout_ms=*/0);
    auto held = Transaction::Begin(f.db, /*write=*/true);
    REQUIRE(held.ok());
    CHECK(Transaction::Begin(other, /*write=*/true).status().code() == Code::kUnavailable);
  }
  SUBCASE("a full database is ResourceExhausted") {
    REQUIRE(f.db.Exec("PRAGMA max_page_count = 8").ok());
    auto s = f.db.Prepare("INSERT INTO t VALUES (?1, ?2)");
    REQUIRE(s.ok());
    Status last;
    for (int i = 0; i < 100 && last.ok(); ++i) {
      auto use = s->Use();
      REQUIRE(s->BindAll(std::to_string(i), std::string(4000, 'x')).ok());
      last = s->Run();
    }
    CHECK(last.code() == Code::kResourceExhausted);
  }
  SUBCASE("SQL it cannot compile is IOError naming the SQL") {
    auto s = f.db.Prepare("SELEKT 1");
    CHECK(s.status().code() == Code::kIOError);
    CHECK(s.status().message().find("SELEKT 1") != std::string::npos);
  }
  SUBCASE("a file that is not a database is Corruption") {
    std::FILE* out = std::fopen(f.dir.Sub("garbage.db").c_str(), "wb");
    REQUIRE(out != nullptr);
    const std::string junk(8192, 'G');
    REQUIRE(std::fwrite(junk.data(), 1, junk.size(), out) == junk.size());
    std::fclose(out);
    SqliteDb garbage = OpenOrDie(f.dir.Sub("garbage.db"));
    CHECK(garbage.QueryInt("SELECT count(*) FROM sqlite_schema").status().code() ==
          Code::kCorruption);
  }
  SUBCASE("a read-only open of a missing file fails and creates nothing") {
    CHECK(SqliteDb::OpenReadOnly(f.dir.Sub("none.db")).status().code() == Code::kIOError);
    std::FILE* probe = std::fopen(f.dir.Sub("none.db").c_str(), "rb");
    CHECK(probe == nullptr);
    if (probe != nullptr) std::fclose(probe);
  }
}

TEST_CASE("sqlite: a bind out of range or a parameter left unbound is an error, not a NULL") {
  Fixture f;
  auto s = f.db.Prepare("INSERT INTO t VALUES (?1, ?2)");
  REQUIRE(s.ok());
  CHECK(s->ParameterCount() == 2);
  {
    auto use = s->Use();
    CHECK(s->BindInt(0, 1).code() == Code::kInvalidArgument);
    CHECK(s->BindText(3, "x").code() == Code::kInvalidArgument);
    CHECK(s->BindNull(-1).code() == Code::kInvalidArgument);
    REQUIRE(s->BindText(1, "only the key").ok());
    const Status run = s->Run();
    CHECK(run.code() == Code::kInvalidArgument);
    CHECK(run.message().find("?2") != std::string::npos);
  }
  CHECK(f.Count() == 0);
  {
    // After a reset every parameter must be bound again.
    auto use = s->Use();
    REQUIRE(s->BindText(1, "k").ok());
    REQUIRE(s->BindNull(2).ok());
    REQUIRE(s->Run().ok());
  }
  {
    auto use = s->Use();
    REQUIRE(s->BindText(1, "k2").ok());
    CHECK(s->Run().code() == Code::kInvalidArgument);
  }
  CHECK(f.Count() == 1);
}

TEST_CASE("sqlite: BindAll binds each value by its type and refuses a wrong count") {
  Fixture f;
  auto ins = f.db.Prepare("INSERT INTO t VALUES (?1, ?2)");
  REQUIRE(ins.ok());
  auto put = [&](auto key, auto value) {
    auto use = ins->Use();
    REQUIRE(ins->BindAll(key, value).ok());
    REQUIRE(ins->Run().ok());
  };
  put("int", int64_t{-7});
  put(std::string("u32"), uint32_t{4000000000u});
  put(std::string_view("bool"), true);
  put("text", std::string("hello"));
  put("empty text", std::string_view());
  put("blob", Blob{std::string_view("\0\1", 2)});
  put("empty blob", Blob{});
  put("null", Null{});
  put("none", std::optional<int64_t>());
  put("some", std::optional<std::string>("x"));
  auto get = f.db.Prepare("SELECT typeof(v), quote(v) FROM t WHERE k = ?1");
  REQUIRE(get.ok());
  auto row = [&](std::string_view key) {
    auto use = get->Use();
    REQUIRE(get->BindText(1, key).ok());
    REQUIRE(get->Step().value());
    return std::string(get->ColumnText(0)) + " " + std::string(get->ColumnText(1));
  };
  CHECK(row("int") == "integer -7");
  CHECK(row("u32") == "integer 4000000000");
  CHECK(row("bool") == "integer 1");
  CHECK(row("text") == "text 'hello'");
  CHECK(row("empty text") == "text ''");
  CHECK(row("blob") == "blob X'0001'");
  CHECK(row("empty blob") == "blob X''");
  CHECK(row("null") == "null NULL");
  CHECK(row("none") == "null NULL");
  CHECK(row("some") == "text 'x'");
  auto use = ins->Use();
  CHECK(ins->BindAll("one").code() == Code::kInvalidArgument);
  CHECK(ins->BindAll("a", 1, 2).code() == Code::kInvalidArgument);
}

TEST_CASE("sqlite: a statement's use ends with a reset, so no read snapshot stays open") {
  Fixture f;
  SqliteDb writer = OpenOrDie(f.path);
  auto all = f.db.Prepare("SELECT k FROM t");
  REQUIRE(all.ok());
  REQUIRE(f.db.Exec("INSERT INTO t VALUES ('a', 1), ('b', 2)").ok());
  {
    auto use = all->Use();
    REQUIRE(all->Step().value());  // one row read, more left: a read transaction is open
    REQUIRE(writer.Exec("INSERT INTO t VALUES ('c', 3)").ok());
    CHECK(f.Count() == 2);  // still the snapshot of the open read
  }
  CHECK(f.Count() == 3);  // the guard reset it: a fresh read sees the write
}

TEST_CASE("sqlite: a transaction rolls back unless committed") {
  Fixture f;
  {
    auto txn = Transaction::Begin(f.db, /*write=*/true);
    REQUIRE(txn.ok());
    REQUIRE(f.db.Exec("INSERT INTO t VALUES ('gone', 1)").ok());
    CHECK(f.db.InTransaction());
  }
  CHECK(!f.db.InTransaction());
  CHECK(f.Count() == 0);
  {
    auto txn = Transaction::Begin(f.db, /*write=*/false);
    REQUIRE(txn.ok());
    REQUIRE(f.db.Exec("INSERT INTO t VALUES ('kept', 1)").ok());
    REQUIRE(txn->Commit().ok());
    CHECK(txn->Commit().code() == Code::kIOError);  // once only
  }
  CHECK(f.Count() == 1);
  // A transaction moved away is rolled back by its new owner only.
  {
    auto txn = Transaction::Begin(f.db, /*write=*/true);
    REQUIRE(txn.ok());
    REQUIRE(f.db.Exec("INSERT INTO t VALUES ('moved', 1)").ok());
    Transaction owner(std::move(*txn));
    REQUIRE(owner.Commit().ok());
  }
  CHECK(f.Count() == 2);
}

TEST_CASE("sqlite: a read-only connection reads what a writer commits and cannot write") {
  Fixture f;
  REQUIRE(f.db.Exec("INSERT INTO t VALUES ('a', 1)").ok());
  auto reader = SqliteDb::OpenReadOnly(f.path);
  REQUIRE(reader.ok());
  CHECK(reader->QueryInt("SELECT count(*) FROM t").value() == 1);
  CHECK(!reader->Exec("INSERT INTO t VALUES ('b', 2)").ok());
  REQUIRE(f.db.Exec("INSERT INTO t VALUES ('b', 2)").ok());
  CHECK(reader->QueryInt("SELECT count(*) FROM t").value() == 2);
}

}  // namespace
}  // namespace tessera::common::sqlite
