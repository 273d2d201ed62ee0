// guess_content_type: the media types of the extensions people upload most, as awscli's guess (Python's
// mimetypes) names them. A fixed table rather than /etc/mime.types, so the same file gets the same type
// on every machine.
#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <string_view>
#include <utility>

#include "raws3/transfer.hpp"

namespace raws3 {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 44> kTypes{{
    {"7z", "application/x-7z-compressed"}, {"avif", "image/avif"}, {"bmp", "image/bmp"},
    {"bz2", "application/x-bzip2"}, {"css", "text/css"}, {"csv", "text/csv"},
    {"gif", "image/gif"}, {"gz", "application/gzip"}, {"htm", "text/html"},
    {"html", "text/html"}, {"ico", "image/vnd.microsoft.icon"}, {"jpeg", "image/jpeg"},
    {"jpg", "image/jpeg"}, {"js", "text/javascript"}, {"json", "application/json"},
    {"md", "text/markdown"}, {"mjs", "text/javascript"}, {"mov", "video/quicktime"},
    {"mp3", "audio/mpeg"}, {"mp4", "video/mp4"}, {"ogg", "audio/ogg"},
    {"otf", "font/otf"}, {"pdf", "application/pdf"}, {"png", "image/png"},
    {"svg", "image/svg+xml"}, {"tar", "application/x-tar"}, {"tif", "image/tiff"},
    {"tiff", "image/tiff"}, {"ttf", "font/ttf"}, {"tsv", "text/tab-separated-values"},
    {"txt", "text/plain"}, {"wasm", "application/wasm"}, {"wav", "audio/x-wav"},
    {"webm", "video/webm"}, {"webp", "image/webp"}, {"woff", "font/woff"},
    {"woff2", "font/woff2"}, {"xhtml", "application/xhtml+xml"}, {"xml", "application/xml"},
    {"yaml", "application/yaml"}, {"yml", "application/yaml"}, {"zip", "application/zip"},
    {"zst", "application/zstd"}, {"log", "text/plain"},
}};

}  // namespace

std::string guess_content_type(std::string_view name) {
  const std::size_t slash = name.rfind('/');
  const std::string_view base = slash == std::string_view::npos ? name : name.substr(slash + 1);
  const std::size_t dot = base.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return {};  // no extension, or a dot file
  std::string extension(base.substr(dot + 1));
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const auto& [known, type] : kTypes) {
    if (known == extension) return std::string(type);
  }
  return {};
}

}  // namespace raws3
