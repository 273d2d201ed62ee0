// libFuzzer target: arbitrary bytes as an HTTP response, fed to http::ResponseParser the way
// Connection feeds it: the head in pieces of varying size, then the body when llhttp must decode it,
// then the end of the stream. The first byte chooses a HEAD request and the piece sizes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "http/response_parser.hpp"
#include "raws3/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t control = data[0];
  const std::span<const std::byte> whole(reinterpret_cast<const std::byte*>(data), size);
  std::span<const std::byte> input = whole.subspan(1);
  // Pieces of 1 to 64 bytes: splits at every position the network could make.
  const std::size_t piece = std::size_t(control >> 2) + 1;
  raws3::http::ResponseParser parser;
  parser.start((control & 1) != 0);
  try {
    while (!parser.head_complete() && !input.empty()) {
      const std::span<const std::byte> chunk = input.first(std::min(piece, input.size()));
      input = input.subspan(parser.parse_head(chunk));
    }
    if (!parser.head_complete()) return 0;
    const raws3::http::ResponseHead& head = parser.head();
    (void)head.find("content-range");
    if (!parser.body_needs_decoding()) return 0;
    std::vector<std::span<const std::byte>> pieces;
    while (!parser.message_complete() && !input.empty()) {
      pieces.clear();
      input = input.subspan(parser.parse_body(input.first(std::min(piece, input.size())), pieces));
      for (std::span<const std::byte> p : pieces)  // a decoded piece must point into the input
        if (p.data() < whole.data() || p.data() + p.size() > whole.data() + whole.size()) __builtin_trap();
    }
    if ((control & 2) != 0) parser.finish_at_eof();
  } catch (const raws3::Error&) {
    // Refusing malformed input is the point; crashing, leaking or reading out of bounds is not.
  }
  return 0;
}
