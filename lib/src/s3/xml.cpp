#include "s3/xml.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <pugixml.hpp>
#include <utility>

#include "auth/uri_encode.hpp"
#include "raws3/error.hpp"

namespace raws3::s3 {
namespace {

constexpr std::string_view kNamespace = "http://s3.amazonaws.com/doc/2006-03-01/";
constexpr std::string_view kDeclaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
constexpr std::size_t kMaxDeleteKeys = 1000;

// Keeps text that is all whitespace when it is an element's only content: " " is a valid object key.
// Entities stay unexpanded beyond XML's five (pugixml never loads a DTD), so no entity tricks.
constexpr unsigned kParseFlags = pugi::parse_default | pugi::parse_ws_pcdata_single;

std::string text(pugi::xml_node parent, const char* name) { return parent.child(name).child_value(); }

pugi::xml_parse_result load(pugi::xml_document& doc, std::string_view body) {
  return doc.load_buffer(body.data(), body.size(), kParseFlags, pugi::encoding_utf8);
}

ErrorInfo error_info(pugi::xml_node error) {
  return ErrorInfo{text(error, "Code"), text(error, "Message"), text(error, "RequestId"),
                   text(error, "Region"), text(error, "Endpoint")};
}

// Parses an answer that must have one of `roots` as its document element.
pugi::xml_node expect(pugi::xml_document& doc, std::string_view body, std::string_view operation,
                      std::initializer_list<std::string_view> roots) {
  const pugi::xml_parse_result result = load(doc, body);
  if (!result)
    throw NetworkError("malformed XML in " + std::string(operation) + " response: " + result.description() +
                       " at offset " + std::to_string(result.offset));
  const pugi::xml_node root = doc.document_element();
  const std::string_view name = root.name();
  if (name == "Error") {
    ErrorInfo e = error_info(root);
    throw S3Error(200, std::move(e.code), std::move(e.message), std::move(e.request_id), std::move(e.region));
  }
  if (std::find(roots.begin(), roots.end(), name) == roots.end())
    throw NetworkError("unexpected <" + std::string(name) + "> document in " + std::string(operation) +
                       " response");
  return root;
}

std::optional<std::uint64_t> number(pugi::xml_node parent, const char* name, std::string_view operation) {
  const pugi::xml_node node = parent.child(name);
  if (!node) return std::nullopt;
  const std::string_view s = node.child_value();
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size())
    throw NetworkError("bad <" + std::string(name) + "> \"" + std::string(s) + "\" in " +
                       std::string(operation) + " response");
  return value;
}

bool flag(pugi::xml_node parent, const char* name) {
  const std::string_view s = parent.child(name).child_value();
  return s == "true" || s == "1";  // xsd:boolean
}

// Reads key-like text, decoding it when the server URL-encoded keys (<EncodingType>url</EncodingType>).
class KeyReader {
 public:
  KeyReader(pugi::xml_node root, std::string_view operation)
      : url_encoded_(text(root, "EncodingType") == "url"), operation_(operation) {}

  std::string operator()(pugi::xml_node parent, const char* name) const {
    std::string value = text(parent, name);
    if (!url_encoded_) return value;
    try {
      return auth::form_decode(value);
    } catch (const ConfigError& e) {
      throw NetworkError("bad URL-encoded <" + std::string(name) + "> in " + std::string(operation_) +
                         " response: " + e.what());
    }
  }

 private:
  bool url_encoded_;
  std::string_view operation_;
};

// One code point of UTF-8, advancing `i`; nullopt when the bytes there are not well-formed UTF-8.
std::optional<char32_t> next_code_point(std::string_view s, std::size_t& i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  if (lead < 0x80) {
    ++i;
    return lead;
  }
  // The lead byte gives the sequence's length and its top bits; `min` rules out overlong forms.
  const auto [len, min] = (lead & 0xE0) == 0xC0   ? std::pair<std::size_t, char32_t>{2, 0x80}
                          : (lead & 0xF0) == 0xE0 ? std::pair<std::size_t, char32_t>{3, 0x800}
                          : (lead & 0xF8) == 0xF0 ? std::pair<std::size_t, char32_t>{4, 0x10000}
                                                  : std::pair<std::size_t, char32_t>{0, 0};
  if (len == 0) return std::nullopt;
  char32_t cp = lead & (0x7Fu >> len);
  if (s.size() - i < len) return std::nullopt;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  i += len;
  return cp;
}

bool is_xml_char(char32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
         (c >= 0x10000 && c <= 0x10FFFF);
}

// For error messages: the text with its unprintable bytes as \xNN.
std::string printable(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += ch;
    }
  }
  return out;
}

// Appends `s` as character data. A carriage return is written as a reference: a receiving parser
// would otherwise turn it into a newline.
void append_text(std::string& out, std::string_view s, std::string_view what) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t start = i;
    const std::optional<char32_t> cp = next_code_point(s, i);
    if (!cp)
      throw ConfigError(std::string(what) + " \"" + printable(s) + "\" is not valid UTF-8 (byte " +
                        std::to_string(start) + ")");
    if (!is_xml_char(*cp))
      throw ConfigError(std::string(what) + " \"" + printable(s) +
                        "\" has a character XML 1.0 cannot carry (byte " + std::to_string(start) + ")");
    switch (*cp) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        out.append(s.substr(start, i - start));
    }
  }
}

void append_element(std::string& out, std::string_view name, std::string_view value, std::string_view what) {
  out.append("<").append(name).append(">");
  append_text(out, value, what);
  out.append("</").append(name).append(">");
}

std::string open_root(std::string_view name) {
  return std::string(kDeclaration) + "<" + std::string(name) + " xmlns=\"" + std::string(kNamespace) + "\">";
}

}  // namespace

bool xml_can_carry(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::optional<char32_t> cp = next_code_point(s, i);
    if (!cp || !is_xml_char(*cp)) return false;
  }
  return true;
}

std::optional<ErrorInfo> parse_error(std::string_view body) {
  pugi::xml_document doc;
  if (!load(doc, body) || std::string_view(doc.document_element().name()) != "Error") return std::nullopt;
  return error_info(doc.document_element());
}

std::vector<BucketInfo> parse_list_buckets(std::string_view body) {
  pugi::xml_document doc;
  const pugi::xml_node root = expect(doc, body, "ListBuckets", {"ListAllMyBucketsResult"});
  std::vector<BucketInfo> buckets;
  for (const pugi::xml_node b : root.child("Buckets").children("Bucket"))
    buckets.push_back(BucketInfo{text(b, "Name"), text(b, "CreationDate")});
  return buckets;
}

ListObjectsPage parse_list_objects_v2(std::string_view body) {
  constexpr std::string_view op = "ListObjectsV2";
  pugi::xml_document doc;
  const pugi::xml_node root = expect(doc, body, op, {"ListBucketResult"});
  const KeyReader key(root, op);
  ListObjectsPage page;
  for (const pugi::xml_node c : root.children("Contents"))
    page.objects.push_back(ObjectInfo{key(c, "Key"), number(c, "Size", op).value_or(0), text(c, "ETag"),
                                      text(c, "LastModified"), text(c, "StorageClass")});
  for (const pugi::xml_node p : root.children("CommonPrefixes"))
    page.common_prefixes.push_back(key(p, "Prefix"));
  page.is_truncated = flag(root, "IsTruncated");
  page.next_continuation_token = text(root, "NextContinuationToken");
  page.key_count = number(root, "KeyCount", op).value_or(page.objects.size() + page.common_prefixes.size());
  // Asking again without a token would start over: a caller paging through would never finish.
  if (page.is_truncated && page.next_continuation_token.empty())
    throw NetworkError("truncated ListObjectsV2 response without a NextContinuationToken");
  return page;
}

DeleteObjectsResult parse_delete_objects_result(std::string_view body) {
  pugi::xml_document doc;
  const pugi::xml_node root = expect(doc, body, "DeleteObjects", {"DeleteResult"});
  DeleteObjectsResult result;
  for (const pugi::xml_node d : root.children("Deleted")) result.deleted.push_back(text(d, "Key"));
  for (const pugi::xml_node e : root.children("Error"))
    result.errors.push_back({text(e, "Key"), text(e, "Code"), text(e, "Message")});
  return result;
}

std::string parse_initiate_multipart(std::string_view body) {
  pugi::xml_document doc;
  const pugi::xml_node root = expect(doc, body, "CreateMultipartUpload", {"InitiateMultipartUploadResult"});
  std::string upload_id = text(root, "UploadId");
  if (upload_id.empty()) throw NetworkError("CreateMultipartUpload response without an UploadId");
  return upload_id;
}

std::string parse_complete_multipart(std::string_view body) {
  pugi::xml_document doc;
  // moto names its answer's root CompleteMultipartUploadResponse.
  return text(expect(doc, body, "CompleteMultipartUpload",
                     {"CompleteMultipartUploadResult", "CompleteMultipartUploadResponse"}),
              "ETag");
}

MultipartUploadsPage parse_list_multipart_uploads(std::string_view body) {
  constexpr std::string_view op = "ListMultipartUploads";
  pugi::xml_document doc;
  const pugi::xml_node root = expect(doc, body, op, {"ListMultipartUploadsResult"});
  const KeyReader key(root, op);
  MultipartUploadsPage page;
  for (const pugi::xml_node u : root.children("Upload"))
    page.uploads.push_back(MultipartUploadInfo{key(u, "Key"), text(u, "UploadId"), text(u, "Initiated")});
  page.is_truncated = flag(root, "IsTruncated");
  page.next_key_marker = key(root, "NextKeyMarker");
  page.next_upload_id_marker = text(root, "NextUploadIdMarker");
  return page;
}

CopyObjectResult parse_copy_object_result(std::string_view body) {
  pugi::xml_document doc;
  const pugi::xml_node root = expect(doc, body, "CopyObject", {"CopyObjectResult", "CopyPartResult"});
  return CopyObjectResult{text(root, "ETag"), text(root, "LastModified")};
}

std::string build_delete_objects(std::span<const std::string> keys, bool quiet) {
  if (keys.empty() || keys.size() > kMaxDeleteKeys)
    throw ConfigError("DeleteObjects takes 1 to 1000 keys, not " + std::to_string(keys.size()));
  std::string out = open_root("Delete");
  if (quiet) out += "<Quiet>true</Quiet>";
  for (const std::string& key : keys) {
    if (key.empty()) throw ConfigError("DeleteObjects given an empty object key");
    out += "<Object>";
    append_element(out, "Key", key, "object key");
    out += "</Object>";
  }
  out += "</Delete>";
  return out;
}

std::string build_complete_multipart(std::span<const CompletedPart> parts, bool include_crc32c) {
  std::string out = open_root("CompleteMultipartUpload");
  for (const CompletedPart& part : parts) {
    out += "<Part><PartNumber>" + std::to_string(part.part_number) + "</PartNumber>";
    append_element(out, "ETag", part.etag, "ETag");
    if (include_crc32c) append_element(out, "ChecksumCRC32C", part.checksum_crc32c, "checksum");
    out += "</Part>";
  }
  out += "</CompleteMultipartUpload>";
  return out;
}

std::string build_create_bucket_configuration(std::string_view region) {
  if (region.empty() || region == "us-east-1") return {};
  std::string out = open_root("CreateBucketConfiguration");
  append_element(out, "LocationConstraint", region, "region");
  out += "</CreateBucketConfiguration>";
  return out;
}

}  // namespace raws3::s3
