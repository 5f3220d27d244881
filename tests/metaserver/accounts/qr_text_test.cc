#include "metaserver/tools/qr_text.h"

#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

namespace tessera::metaserver::tools {
namespace {

// The cells of each line, without the colour escapes: one UTF-8 half block or a space each.
std::vector<std::vector<std::string>> Cells(const std::string& text) {
  std::vector<std::vector<std::string>> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    REQUIRE(line.rfind("\x1b[97;40m", 0) == 0);
    REQUIRE(line.size() >= 4);
    REQUIRE(line.substr(line.size() - 4) == "\x1b[0m");
    const std::string body = line.substr(8, line.size() - 12);
    std::vector<std::string> cells;
    for (size_t i = 0; i < body.size();) {
      const size_t n = body[i] == ' ' ? 1 : 3;
      cells.push_back(body.substr(i, n));
      i += n;
    }
    lines.push_back(cells);
  }
  return lines;
}

TEST_CASE("qr text: a square of half blocks, two module rows a line, with a light border") {
  auto qr = RenderQrHalfBlocks(
      "otpauth://totp/Tessera:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Tessera"
      "&algorithm=SHA1&digits=6&period=30");
  REQUIRE(qr.ok());
  const auto lines = Cells(*qr);
  REQUIRE(!lines.empty());
  const size_t size = lines[0].size();  // modules plus the quiet zone both sides
  CHECK((size - 4 - 21) % 4 == 0);      // QR widths are 21 + 4 * (version - 1)
  CHECK(lines.size() == (size + 1) / 2);
  for (const auto& cells : lines) CHECK(cells.size() == size);
  // The top two rows are quiet zone: full blocks all along.
  for (const std::string& cell : lines[0]) CHECK(cell == "\u2588");
  // Line 1 is module rows 2 and 3, the top of the finder pattern at (2, 2): its corner is dark
  // in both rows; one module in, the dark edge is over the light inner ring.
  CHECK(lines[1][2] == " ");
  CHECK(lines[1][3] == "\u2584");
  CHECK(lines[1][0] == "\u2588");
}

}  // namespace
}  // namespace tessera::metaserver::tools
