// Errors of librawS3. Every failure is one of these: it names its cause in one line (what()).
#pragma once

#include <stdexcept>
#include <string>

#include "raws3/export.hpp"

namespace raws3 {

// Base of every librawS3 error.
class RAWS3_API Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bad input on our side: a malformed URL, missing or unreadable credentials, a broken config file.
class RAWS3_API ConfigError : public Error {
 public:
  using Error::Error;
};

// The transport failed: DNS, connect, reset, timeout, TLS, a response that is not valid HTTP.
class RAWS3_API NetworkError : public Error {
 public:
  using Error::Error;
};

// Received bytes failed the checksum the server sent with them. Not retried: the same request may well
// bring the same bytes back, and only the caller knows whether fetching the whole object again is worth it.
class RAWS3_API IntegrityError : public Error {
 public:
  using Error::Error;
};

// Client::cancel() was called: the operation stopped early, having undone what it could (an unfinished
// multipart upload aborted, a partial download removed).
class RAWS3_API Cancelled : public Error {
 public:
  using Error::Error;
};

// A local file could not be read or written.
class RAWS3_API FileError : public Error {
 public:
  using Error::Error;
};

// The server answered with an S3 error (or an HTTP error status without an S3 error body).
class RAWS3_API S3Error : public Error {
 public:
  S3Error(int http_status, std::string code, std::string message, std::string request_id = {},
          std::string region = {});

  int http_status() const noexcept { return http_status_; }
  // S3's error code ("NoSuchKey"); for a body-less answer (HEAD), a name derived from the status.
  const std::string& code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }
  const std::string& request_id() const noexcept { return request_id_; }
  // The bucket's region when the server said so (PermanentRedirect, AuthorizationHeaderMalformed).
  const std::string& region() const noexcept { return region_; }

 private:
  int http_status_;
  std::string code_;
  std::string message_;
  std::string request_id_;
  std::string region_;
};

}  // namespace raws3
