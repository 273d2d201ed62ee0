// The Blob service's XML: List Blobs and List Containers pages as Azurite and Azure write them, its error
// documents, and the Put Block List body.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "blob/blob_xml.hpp"
#include "raws3/error.hpp"

using namespace raws3;

TEST_CASE("a List Blobs page: blobs and prefixes, ETags quoted, times as S3 lists them, the marker to go on") {
  const std::string body =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?><EnumerationResults ServiceEndpoint=\"http://127.0.0.1:10010/"
      "devstoreaccount1\" ContainerName=\"ctr\"><Prefix>d/</Prefix><MaxResults>3</MaxResults><Delimiter>/</Delimiter>"
      "<Blobs><Blob><Name>d/a b.bin</Name><Properties><Creation-Time>Mon, 07 Dec 2026 16:00:00 GMT</Creation-Time>"
      "<Last-Modified>Mon, 07 Dec 2026 16:00:01 GMT</Last-Modified><Etag>0x8DB1</Etag>"
      "<Content-Length>12345678901</Content-Length><BlobType>BlockBlob</BlobType><AccessTier>Hot</AccessTier>"
      "</Properties></Blob><BlobPrefix><Name>d/sub/</Name></BlobPrefix>"
      "<Blob><Name Encoded=\"true\">d/%EF%BF%BF</Name><Properties><Last-Modified>Mon, 07 Dec 2026 16:00:02 GMT"
      "</Last-Modified><Etag>\"0x8DB2\"</Etag><Content-Length>0</Content-Length></Properties></Blob></Blobs>"
      "<NextMarker>2!64!opaque</NextMarker></EnumerationResults>";
  const ListObjectsPage page = blob::parse_list_blobs(body);
  REQUIRE(page.objects.size() == 2);
  CHECK(page.objects[0].key == "d/a b.bin");
  CHECK(page.objects[0].size == 12345678901ull);
  CHECK(page.objects[0].etag == "\"0x8DB1\"");
  CHECK(page.objects[0].last_modified == "2026-12-07T16:00:01.000Z");
  CHECK(page.objects[0].storage_class == "Hot");
  CHECK(page.objects[1].key == "d/\xEF\xBF\xBF");  // a name XML cannot carry comes encoded
  CHECK(page.objects[1].etag == "\"0x8DB2\"");
  CHECK(page.common_prefixes == std::vector<std::string>{"d/sub/"});
  CHECK(page.is_truncated);
  CHECK(page.next_continuation_token == "2!64!opaque");
  CHECK(page.key_count == 3);
}

TEST_CASE("the last List Blobs page has an empty NextMarker") {
  const ListObjectsPage page = blob::parse_list_blobs(
      "<EnumerationResults><Blobs/><NextMarker/></EnumerationResults>");
  CHECK(page.objects.empty());
  CHECK_FALSE(page.is_truncated);
}

TEST_CASE("List Blobs answers that are not one are the server's fault") {
  CHECK_THROWS_AS(blob::parse_list_blobs("not xml"), NetworkError);
  CHECK_THROWS_AS(blob::parse_list_blobs("<ListBucketResult/>"), NetworkError);
  CHECK_THROWS_AS(blob::parse_list_blobs("<EnumerationResults><Blobs><Blob><Name>x</Name><Properties>"
                                         "<Content-Length>-1</Content-Length></Properties></Blob></Blobs>"
                                         "</EnumerationResults>"),
                  NetworkError);
}

TEST_CASE("a List Containers page") {
  const blob::ContainersPage page = blob::parse_list_containers(
      "<EnumerationResults><Containers><Container><Name>one</Name><Properties><Last-Modified>Mon, 07 Dec 2026 "
      "16:00:00 GMT</Last-Modified></Properties></Container><Container><Name>two</Name></Container></Containers>"
      "<NextMarker>two</NextMarker></EnumerationResults>");
  REQUIRE(page.containers.size() == 2);
  CHECK(page.containers[0].name == "one");
  CHECK(page.containers[0].creation_date == "2026-12-07T16:00:00.000Z");
  CHECK(page.next_marker == "two");
}

TEST_CASE("an error document: its code, the first line of its message, and the authentication detail") {
  const auto error = blob::parse_error(
      "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthenticationFailed</Code><Message>Server failed to "
      "authenticate the request.\nRequestId:abc\nTime:2026-12-07T16:00:00Z</Message><AuthenticationErrorDetail>The "
      "MAC signature found in the HTTP request is not the same as any computed signature.</AuthenticationErrorDetail>"
      "</Error>");
  REQUIRE(error);
  CHECK(error->code == "AuthenticationFailed");
  CHECK(error->message == "Server failed to authenticate the request. (The MAC signature found in the HTTP request is "
                          "not the same as any computed signature.)");
  CHECK_FALSE(blob::parse_error(""));
  CHECK_FALSE(blob::parse_error("<html>busy</html>"));
}

TEST_CASE("a Put Block List body names the blocks in order, as latest") {
  const std::vector<std::string> ids{"cmF3MDE=", "cmF3MDI="};
  CHECK(blob::build_block_list(ids) ==
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList><Latest>cmF3MDE=</Latest><Latest>cmF3MDI=</Latest>"
        "</BlockList>");
}
