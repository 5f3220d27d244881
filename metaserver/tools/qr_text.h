// metaserver/tools/qr_text.h
//
// A QR code (libqrencode, error correction level M) drawn for a terminal with Unicode half
// blocks, two module rows per text line, with a 2-module quiet zone. Light modules are drawn
// as blocks in white on black (ANSI colours), so the code scans on light and dark terminal
// themes alike. Pure apart from libqrencode; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace tessera::metaserver::tools {

// The text to print, lines ending in '\n'. InvalidArgument when `text` is too long for a QR
// code.
common::Result<std::string> RenderQrHalfBlocks(std::string_view text);

}  // namespace tessera::metaserver::tools
