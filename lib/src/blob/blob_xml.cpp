#include "blob/blob_xml.hpp"

#include <charconv>
#include <pugixml.hpp>

#include "auth/timestamp.hpp"
#include "auth/uri_encode.hpp"
#include "raws3/error.hpp"

namespace raws3::blob {
namespace {

// Keeps a name that is all whitespace: " " is a valid blob name.
constexpr unsigned kParseFlags = pugi::parse_default | pugi::parse_ws_pcdata_single;

std::string text(pugi::xml_node parent, const char* name) { return parent.child(name).child_value(); }

pugi::xml_node expect(pugi::xml_document& doc, std::string_view body, std::string_view operation) {
  const pugi::xml_parse_result result = doc.load_buffer(body.data(), body.size(), kParseFlags, pugi::encoding_utf8);
  if (!result)
    throw NetworkError("malformed XML in " + std::string(operation) + " response: " + result.description() +
                       " at offset " + std::to_string(result.offset));
  const pugi::xml_node root = doc.document_element();
  if (std::string_view(root.name()) != "EnumerationResults")
    throw NetworkError("unexpected <" + std::string(root.name()) + "> document in " + std::string(operation) +
                       " response");
  return root;
}

std::string name_of(pugi::xml_node item) {
  const pugi::xml_node name = item.child("Name");
  if (name.attribute("Encoded").as_bool()) return auth::uri_decode(name.child_value());
  return name.child_value();
}

std::string iso_time(const std::string& http_date) {
  const auto at = auth::parse_http_date(http_date);
  return at ? auth::format_iso8601(*at) : http_date;
}

std::string quoted(std::string etag) {
  if (etag.empty() || etag.front() == '"') return etag;
  return '"' + etag + '"';
}

std::uint64_t length_of(pugi::xml_node properties) {
  const std::string_view s = properties.child("Content-Length").child_value();
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size())
    throw NetworkError("List Blobs response with a malformed Content-Length: '" + std::string(s) + "'");
  return n;
}

}  // namespace

ListObjectsPage parse_list_blobs(std::string_view body) {
  pugi::xml_document doc;
  const pugi::xml_node root = expect(doc, body, "List Blobs");
  ListObjectsPage page;
  for (const pugi::xml_node item : root.child("Blobs").children()) {
    const std::string_view kind = item.name();
    if (kind == "Blob") {
      const pugi::xml_node p = item.child("Properties");
      page.objects.push_back(ObjectInfo{name_of(item), length_of(p), quoted(text(p, "Etag")),
                                        iso_time(text(p, "Last-Modified")), text(p, "AccessTier")});
    } else if (kind == "BlobPrefix") {
      page.common_prefixes.push_back(name_of(item));
    }
  }
  page.next_continuation_token = text(root, "NextMarker");
  page.is_truncated = !page.next_continuation_token.empty();
  page.key_count = page.objects.size() + page.common_prefixes.size();
  return page;
}

ContainersPage parse_list_containers(std::string_view body) {
  pugi::xml_document doc;
  const pugi::xml_node root = expect(doc, body, "List Containers");
  ContainersPage page;
  for (const pugi::xml_node c : root.child("Containers").children("Container"))
    page.containers.push_back(BucketInfo{name_of(c), iso_time(text(c.child("Properties"), "Last-Modified"))});
  page.next_marker = text(root, "NextMarker");
  return page;
}

std::optional<ErrorText> parse_error(std::string_view body) {
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size(), kParseFlags, pugi::encoding_utf8)) return std::nullopt;
  const pugi::xml_node root = doc.document_element();
  if (std::string_view(root.name()) != "Error") return std::nullopt;
  ErrorText error{text(root, "Code"), text(root, "Message")};
  if (const std::size_t eol = error.message.find('\n'); eol != std::string::npos) error.message.resize(eol);
  if (const std::string detail = text(root, "AuthenticationErrorDetail"); !detail.empty())
    error.message += " (" + detail + ")";
  return error;
}

std::string build_block_list(std::span<const std::string> block_ids) {
  std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>";
  // Base64 ids need no escaping.
  for (const std::string& id : block_ids) out += "<Latest>" + id + "</Latest>";
  out += "</BlockList>";
  return out;
}

}  // namespace raws3::blob
