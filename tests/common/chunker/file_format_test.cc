#include "common/chunker/file_format.h"

#include <doctest/doctest.h>

#include <string>

namespace tessera::common::chunker {
namespace {

TEST_CASE("file format: detection table by extension and content") {
  const std::string png_header("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
  const std::string utf16("\xff\xfeh\0i\0", 6);
  const std::string latin1 =
      "caf\xe9 cr\xe8me br\xfbl\xe9"
      "e and a lot of plain ascii text around it, as most "
      "Latin-1 files have: accents are rare";
  std::string controls(100, 'a');
  controls[10] = '\x01';
  controls[20] = '\x02';  // 2% control bytes
  struct Row {
    const char* path;
    std::string head;
    FileFormat want;
  };
  const Row rows[] = {
      {"notes.txt", "hello\n", FileFormat::kText},
      {"main.cc", "int main() {}\n", FileFormat::kText},
      {"recipe.cook", "Add @salt{}\n", FileFormat::kText},
      {"Makefile", "all:\n\tcc x.c\n", FileFormat::kText},
      {"empty", "", FileFormat::kText},
      {"README", "Plain words, \xe2\x80\x9cquoted\xe2\x80\x9d, \xf0\x9f\x98\x80.\n",
       FileFormat::kText},
      {"dir.d/noext", "just text\n", FileFormat::kText},
      {".bashrc", "export A=1\n", FileFormat::kText},
      {"latin1.dat", latin1, FileFormat::kText},
      {"colors.log", "\x1b[31mred\x1b[0m\n", FileFormat::kText},
      // Extensions that are always binary, even when the bytes look like text.
      {"image.png", png_header, FileFormat::kBinary},
      {"IMAGE.PNG", "looks like text", FileFormat::kBinary},
      {"a/b/archive.tar.gz", "text-looking", FileFormat::kBinary},
      {"doc.pdf", "%PDF-1.7\n", FileFormat::kBinary},
      {"photo.JPG", "", FileFormat::kBinary},
      // A NUL makes anything binary, even a .txt (UTF-16 here).
      {"notes.txt", utf16, FileFormat::kBinary},
      {"data.json", std::string("{\"a\":\0}", 7), FileFormat::kBinary},
      // Unknown extension: decided by content.
      {"blob", png_header, FileFormat::kBinary},
      {"blob", controls, FileFormat::kBinary},
      {"blob", "\xc3\x28 invalid utf8 \xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6",
       FileFormat::kBinary},
  };
  for (const Row& row : rows) {
    CAPTURE(row.path);
    CAPTURE(row.head);
    CHECK(DetectFormat(row.path, row.head) == row.want);
  }
}

TEST_CASE("file format: a UTF-8 sequence cut at the end of the sample is still text") {
  std::string head(kDetectBytes - 1, 'a');
  head += "\xe2";  // first byte of a 3-byte sequence; the rest is past the sample
  CHECK(DetectFormat("unknown", head) == FileFormat::kText);
  // But the same byte in the middle is invalid UTF-8; with few ASCII bytes that is binary.
  CHECK(DetectFormat("unknown", "\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2 x") == FileFormat::kBinary);
}

TEST_CASE("file format: only the first kDetectBytes are looked at") {
  std::string data(kDetectBytes, 'a');
  data += std::string(100, '\0');
  CHECK(DetectFormat("unknown", data) == FileFormat::kText);
  CHECK(DetectFormat("unknown", data.substr(0, kDetectBytes + 1)) == FileFormat::kText);
}

TEST_CASE("file format: extension extraction") {
  CHECK(ExtensionOf("a/b/c.TXT") == "txt");
  CHECK(ExtensionOf("archive.tar.gz") == "gz");
  CHECK(ExtensionOf(".hidden") == "");
  CHECK(ExtensionOf("dir.x/file") == "");
  CHECK(ExtensionOf("trailing.") == "");
  CHECK(ExtensionOf("") == "");
  CHECK(FileFormatName(FileFormat::kText) == "text");
  CHECK(FileFormatName(FileFormat::kBinary) == "binary");
}

}  // namespace
}  // namespace tessera::common::chunker
