// Ranks over MPI (Open MPI from Debian; any MPI-3 library).
// The C API only: MPI's deprecated C++ bindings do not build cleanly with our warnings.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <array>
#include <climits>

#include "context.hpp"
#include "ranks.hpp"

namespace s3cli {
namespace {

// An MPI failure ends the job (MPI_ERRORS_ARE_FATAL, the default on MPI_COMM_WORLD) before a call returns,
// so results are not checked here.
class MpiRanks final : public Ranks {
 public:
  MpiRanks() {
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided);
    if (provided < MPI_THREAD_SERIALIZED) {
      MPI_Finalize();
      throw UsageError("this MPI library cannot be called from more than one thread (MPI_THREAD_SERIALIZED)");
    }
    int rank = 0;
    int size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    rank_ = unsigned(rank);
    size_ = unsigned(size);
    MPI_Comm local;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &local);
    int local_size = 1;
    MPI_Comm_size(local, &local_size);
    MPI_Comm_free(&local);
    local_size_ = unsigned(local_size);
    std::array<char, MPI_MAX_PROCESSOR_NAME> name{};
    int length = 0;
    MPI_Get_processor_name(name.data(), &length);
    host_.assign(name.data(), std::size_t(length));
  }
  ~MpiRanks() override { MPI_Finalize(); }

  unsigned rank() const noexcept override { return rank_; }
  unsigned size() const noexcept override { return size_; }
  unsigned local_size() const noexcept override { return local_size_; }
  const std::string& host() const noexcept override { return host_; }

  void barrier() override { MPI_Barrier(MPI_COMM_WORLD); }

  void sum_to_root(std::span<std::uint64_t> values) override { reduce(values, MPI_SUM); }
  void max_to_root(std::span<std::uint64_t> values) override { reduce(values, MPI_MAX); }

  double min_of(double value) override {
    MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
    return value;
  }
  double max_of(double value) override {
    MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return value;
  }
  int max_of(int value) override {
    MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return value;
  }

  std::vector<std::string> gather(std::string_view text) override {
    // MPI counts are ints: a rank's text past 2 GiB is a usage problem (a CSV of tens of millions of rows).
    if (text.size() > std::size_t(INT_MAX)) throw UsageError("a rank's share of the output is over 2 GiB");
    const int length = int(text.size());
    std::vector<int> lengths(is_root() ? size_ : 0);
    MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
    std::vector<int> offsets(lengths.size());
    std::string all;
    if (is_root()) {
      long long total = 0;
      for (std::size_t r = 0; r < lengths.size(); ++r) {
        if (total + lengths[r] > INT_MAX) throw UsageError("the ranks' output together is over 2 GiB");
        offsets[r] = int(total);
        total += lengths[r];
      }
      all.resize(std::size_t(total));
    }
    MPI_Gatherv(text.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR, 0,
                MPI_COMM_WORLD);
    std::vector<std::string> texts;
    for (std::size_t r = 0; r < lengths.size(); ++r) texts.push_back(all.substr(std::size_t(offsets[r]), std::size_t(lengths[r])));
    return texts;
  }

  std::string broadcast(std::string text) override {
    int length = int(text.size());
    MPI_Bcast(&length, 1, MPI_INT, 0, MPI_COMM_WORLD);
    text.resize(std::size_t(length));
    MPI_Bcast(text.data(), length, MPI_CHAR, 0, MPI_COMM_WORLD);
    return text;
  }

  void send(unsigned to, int tag, std::string_view text) override {
    if (text.size() > std::size_t(INT_MAX)) throw UsageError("a message between ranks is over 2 GiB");
    MPI_Send(text.data(), int(text.size()), MPI_CHAR, int(to), tag, MPI_COMM_WORLD);
  }

  Message receive(std::optional<unsigned> from) override {
    MPI_Status status;
    MPI_Probe(from ? int(*from) : MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &status);
    int length = 0;
    MPI_Get_count(&status, MPI_CHAR, &length);
    Message message{.from = unsigned(status.MPI_SOURCE), .tag = status.MPI_TAG, .text = std::string(std::size_t(length), '\0')};
    MPI_Recv(message.text.data(), length, MPI_CHAR, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    return message;
  }

 private:
  void reduce(std::span<std::uint64_t> values, MPI_Op op) {
    // In chunks: MPI counts are ints, and a histogram per operation is a few thousand values anyway.
    constexpr std::size_t kChunk = 1 << 20;
    for (std::size_t at = 0; at < values.size(); at += kChunk) {
      const int n = int(std::min(kChunk, values.size() - at));
      if (is_root()) {
        MPI_Reduce(MPI_IN_PLACE, values.data() + at, n, MPI_UINT64_T, op, 0, MPI_COMM_WORLD);
      } else {
        MPI_Reduce(values.data() + at, nullptr, n, MPI_UINT64_T, op, 0, MPI_COMM_WORLD);
      }
    }
  }

  unsigned rank_ = 0;
  unsigned size_ = 1;
  unsigned local_size_ = 1;
  std::string host_;
};

}  // namespace

std::unique_ptr<Ranks> Ranks::join(bool required) {
  // Started alone, without --mpi: no MPI_Init, whose singleton start would cost time for nothing.
  if (!required && !launched_by_mpi()) return lone_process();
  return std::make_unique<MpiRanks>();
}

}  // namespace s3cli
