// The HTTP that credential providers do (instance metadata, container endpoints, STS), described here and
// sent by a transport the caller injects: auth/ knows no sockets. The library's transport sends these
// through its own engine (s3/credential_transport.hpp); tests answer them from a script.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "auth/sigv4.hpp"

namespace raws3::auth {

struct HttpCall {
  std::string method;
  std::string url;              // absolute: "http://169.254.169.254/latest/api/token"
  std::vector<Header> headers;  // besides Host and Content-Length, which the transport adds
  std::string body;
  // Bounds the connect and every wait for the answer's next bytes.
  std::chrono::milliseconds timeout{2000};
};

struct HttpAnswer {
  int status = 0;
  std::string body;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Blocks until the answer, whatever its status. Throws raws3::NetworkError when none came (refused,
  // timed out, reset), raws3::ConfigError for a URL it cannot send to.
  virtual HttpAnswer send(const HttpCall& call) = 0;
};

}  // namespace raws3::auth
