// Drives a Client's lifetime rules, for tests/integration/test_lifetime.py. Endpoint and credentials from
// the environment (S3_ENDPOINT, AWS_*); the bucket exists, and the server is expected to keep requests
// waiting (the fault server's "hang") unless the scenario says otherwise.
//
//   lifetime_driver inflight BUCKET KEY N     N calls of every callback and future form in flight, then (on
//                                             a line on stdin) the Client destroyed: each `done` must run
//                                             exactly once, with raws3::Cancelled, before the destructor
//                                             returns. Upload i goes to KEY-upload-i.
//   lifetime_driver blocking BUCKET KEY       every blocking form, called from inside a callback, must throw
//                                             raws3::Error at once (the server answers normally here)
//   lifetime_driver destroy-in-callback BUCKET KEY
//                                             the last owner of the Client lets go inside a callback while
//                                             another call waits: that call ends Cancelled and every thread
//                                             of the client goes away
//   lifetime_driver writer BUCKET KEY         a writer with a multipart upload under way outlives its Client:
//                                             its later calls throw raws3::Error
//
// Prints one JSON line on stdout with what it saw; exit 0 when the rule held, 1 otherwise.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "driver_util.hpp"
#include "raws3/client.hpp"

namespace {

using namespace std::chrono_literals;


// What the `done` callbacks saw, by kind of error.
struct Tally {
  std::atomic<unsigned> done{0};
  std::atomic<unsigned> cancelled{0};
  std::atomic<unsigned> succeeded{0};
  std::mutex mutex;
  std::vector<std::string> other;  // any other error, by message

  void record(const std::exception_ptr& error) {
    if (!error) {
      ++succeeded;
    } else {
      try {
        std::rethrow_exception(error);
      } catch (const raws3::Cancelled&) {
        ++cancelled;
      } catch (const std::exception& e) {
        std::lock_guard lock(mutex);
        other.emplace_back(e.what());
      }
    }
    ++done;
  }
};

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
  }
  return out + "\"";
}

unsigned threads_of_this_process() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.starts_with("Threads:")) return unsigned(std::stoul(line.substr(8)));
  return 0;
}

int inflight(const std::string& bucket, const std::string& key, unsigned n) {
  Tally tally;
  unsigned started = 0;
  std::vector<std::future<void>> futures;
  const auto body = std::make_shared<const std::vector<std::byte>>(12u << 20);
  const std::vector<std::byte> small(1024);
  std::chrono::steady_clock::time_point closing;
  {
    raws3::Client client(raws3::test::driver_config());
    auto done = [&tally](std::exception_ptr error, auto&&...) { tally.record(error); };
    for (unsigned i = 0; i < n; ++i) {
      client.get_discard(bucket, key, {}, done);
      client.head_object(bucket, key, done);
      client.put_object(bucket, key + "-put", small, {}, done);
      client.upload(bucket, key + "-upload-" + std::to_string(i), body, raws3::PutOptions{.part_size = 5u << 20}, done);
      client.delete_object(bucket, key + "-delete", done);
      client.list_objects_v2(bucket, {}, done);
      futures.push_back(client.delete_object_async(bucket, key + "-future"));
      started += 6;
    }
    std::string go;
    std::getline(std::cin, go);  // the test has seen everything reach the server, which keeps it waiting
    closing = std::chrono::steady_clock::now();
  }
  const double close_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - closing).count();
  const unsigned done_at_close = tally.done.load();
  unsigned futures_cancelled = 0;
  for (auto& f : futures) {
    try {
      if (f.wait_for(0s) == std::future_status::ready) f.get();
    } catch (const raws3::Cancelled&) {
      ++futures_cancelled;
    } catch (...) {
    }
  }
  std::this_thread::sleep_for(200ms);  // a `done` run twice would show up here
  std::cout << "{\"started\": " << started << ", \"done_at_close\": " << done_at_close
            << ", \"done\": " << tally.done.load() << ", \"cancelled\": " << tally.cancelled.load()
            << ", \"succeeded\": " << tally.succeeded.load() << ", \"futures\": " << futures.size()
            << ", \"futures_cancelled\": " << futures_cancelled << ", \"close_s\": " << close_s
            << ", \"other\": [";
  for (std::size_t i = 0; i < tally.other.size(); ++i) std::cout << (i ? ", " : "") << json_string(tally.other[i]);
  std::cout << "]}\n";
  const bool held = done_at_close == started && tally.done == started && tally.cancelled == started &&
                    futures_cancelled == futures.size();
  return held ? 0 : 1;
}

// Every blocking form, each made inside a callback: each must throw raws3::Error at once.
int blocking(const std::string& bucket, const std::string& key) {
  raws3::Client client(raws3::test::driver_config());
  const std::byte body[1]{};
  const std::vector<std::pair<std::string, std::function<void()>>> calls = {
      {"head_object", [&] { client.head_object(bucket, key); }},
      {"get_object", [&] { client.get_object(bucket, key); }},
      {"put_object", [&] { client.put_object(bucket, key + "-put", body); }},
      {"upload", [&] { client.upload(bucket, key + "-upload", body); }},
      {"list_objects_v2", [&] { client.list_objects_v2(bucket); }},
      {"delete_objects", [&] { client.delete_objects(bucket, {key + "-none"}); }},
  };
  std::atomic<std::size_t> at{0};
  std::promise<std::vector<std::string>> seen;
  client.head_object(bucket, key, [&](std::exception_ptr, raws3::HeadResult) {
    std::vector<std::string> outcomes;
    for (; at < calls.size(); ++at) {
      try {
        calls[at].second();
        outcomes.push_back("returned");
      } catch (const raws3::Error& e) {
        outcomes.push_back(std::string("raws3::Error: ") + e.what());
      } catch (...) {
        outcomes.push_back("another exception");
      }
    }
    seen.set_value(std::move(outcomes));
  });
  std::future<std::vector<std::string>> result = seen.get_future();
  if (result.wait_for(10s) != std::future_status::ready) {
    std::cout << "{\"deadlocked\": " << json_string(calls[at].first) << "}\n";
    std::cout.flush();
    std::_Exit(1);  // the loop thread is stuck in the blocking call: the Client cannot close
  }
  const std::vector<std::string> outcomes = result.get();
  bool held = true;
  std::cout << "{\"outcomes\": {";
  for (std::size_t i = 0; i < calls.size(); ++i) {
    std::cout << (i ? ", " : "") << json_string(calls[i].first) << ": " << json_string(outcomes[i]);
    held = held && outcomes[i].starts_with("raws3::Error: ");
  }
  std::cout << "}}\n";
  return held ? 0 : 1;
}

int destroy_in_callback(const std::string& bucket, const std::string& key) {
  const unsigned threads_before = threads_of_this_process();
  auto client = std::make_shared<raws3::Client>(raws3::test::driver_config());
  std::promise<std::string> waiting_call;
  // This one waits on the server until the client closes.
  client->get_discard(bucket, key, {}, [&](std::exception_ptr error, raws3::HeadResult) {
    try {
      if (error) std::rethrow_exception(error);
      waiting_call.set_value("succeeded");
    } catch (const raws3::Cancelled&) {
      waiting_call.set_value("cancelled");
    } catch (const std::exception& e) {
      waiting_call.set_value(e.what());
    }
  });
  // This one ends at once (a bucket that cannot exist), holding the last reference to the client.
  std::this_thread::sleep_for(200ms);
  client->head_object("no-such-bucket-here", "k", [owner = client](std::exception_ptr, raws3::HeadResult) mutable {
    owner.reset();
  });
  client.reset();
  std::future<std::string> outcome = waiting_call.get_future();
  const bool ended = outcome.wait_for(20s) == std::future_status::ready;
  const std::string how = ended ? outcome.get() : "still waiting";
  // The client's close runs on a thread of its own: wait for every thread it had to go.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (threads_of_this_process() > threads_before && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  const unsigned threads_after = threads_of_this_process();
  std::cout << "{\"waiting_call\": " << json_string(how) << ", \"threads_before\": " << threads_before
            << ", \"threads_after\": " << threads_after << "}\n";
  return how == "cancelled" && threads_after == threads_before ? 0 : 1;
}

int writer(const std::string& bucket, const std::string& key) {
  std::optional<raws3::ObjectWriter> w;
  {
    raws3::Client client(raws3::test::driver_config());
    w.emplace(client.writer(bucket, key, raws3::PutOptions{.part_size = 5u << 20}));
    const std::vector<std::byte> piece(11u << 20, std::byte{7});
    w->write_chunk(piece);  // two parts: the multipart upload has begun
  }
  std::string outcome = "accepted";
  try {
    w->write_chunk(std::vector<std::byte>(16));
  } catch (const raws3::Error& e) {
    outcome = std::string("raws3::Error: ") + e.what();
  }
  w.reset();
  std::cout << "{\"outcome\": " << json_string(outcome) << "}\n";
  return outcome.starts_with("raws3::Error: ") ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() < 3) {
    std::cerr << "usage: lifetime_driver inflight|blocking|destroy-in-callback|writer BUCKET KEY [N]\n";
    return 2;
  }
  try {
    const std::string &mode = args[0], &bucket = args[1], &key = args[2];
    if (mode == "inflight") return inflight(bucket, key, args.size() > 3 ? unsigned(std::stoul(args[3])) : 4);
    if (mode == "blocking") return blocking(bucket, key);
    if (mode == "destroy-in-callback") return destroy_in_callback(bucket, key);
    if (mode == "writer") return writer(bucket, key);
    std::cerr << "lifetime_driver: unknown mode " << mode << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "lifetime_driver: " << e.what() << "\n";
    return 1;
  }
}
