#include "metaserver/tools/qr_text.h"

#include <qrencode.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace tessera::metaserver::tools {
namespace {

constexpr int kQuietZone = 2;
constexpr std::string_view kColours = "\x1b[97;40m";  // white on black
constexpr std::string_view kReset = "\x1b[0m";

struct QrDeleter {
  void operator()(QRcode* code) const { QRcode_free(code); }
};

}  // namespace

common::Result<std::string> RenderQrHalfBlocks(std::string_view text) {
  const std::string c_text(text);  // QRcode_encodeString wants a NUL-terminated string
  std::unique_ptr<QRcode, QrDeleter> code(QRcode_encodeString(c_text.c_str(), /*version=*/0,
                                                              QR_ECLEVEL_M, QR_MODE_8,
                                                              /*casesensitive=*/1));
  if (!code) return common::InvalidArgument(std::string("QRcode_encodeString: ") + strerror(errno));
  const int width = code->width;
  const int size = width + 2 * kQuietZone;
  // Light means "draw a block": the quiet zone and every module whose low bit is clear.
  const auto light = [&](int x, int y) {
    x -= kQuietZone;
    y -= kQuietZone;
    if (x < 0 || y < 0 || x >= width || y >= width) return true;
    return (code->data[y * width + x] & 1) == 0;
  };
  std::string out;
  for (int y = 0; y < size; y += 2) {
    out += kColours;
    for (int x = 0; x < size; ++x) {
      const bool top = light(x, y);
      const bool bottom = y + 1 < size ? light(x, y + 1) : false;
      if (top && bottom) {
        out += "\u2588";  // full block
      } else if (top) {
        out += "\u2580";  // upper half block
      } else if (bottom) {
        out += "\u2584";  // lower half block
      } else {
        out += ' ';
      }
    }
    out += kReset;
    out += '\n';
  }
  return out;
}

}  // namespace tessera::metaserver::tools
