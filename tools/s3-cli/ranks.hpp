// The processes one s3-cli run is spread over: this one alone, or the ranks of an MPI job (mpirun -np N
// s3-cli ...). Open MPI is the engine; s3-cli runs no agents of its own.
//
// Every collective below must be called by every rank in the same order, whatever happened to it: a rank
// whose share failed still takes part, with empty figures, or the others would wait for it forever.
// MPI is called from one thread at a time (MPI_THREAD_SERIALIZED): the main thread, or rank 0's hand-out
// thread while the main thread feeds it (handout.hpp); the client's loops never touch MPI.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace s3cli {

class Ranks {
 public:
  // Joins the MPI job this process was launched into (Open MPI's, or a PMI launcher's such as Slurm's), or
  // any MPI job when `required` (bench --mpi). Otherwise, or in a build without MPI, a world of one; in
  // such a build `required` is a UsageError. Lives as long as main: its end leaves the job (MPI_Finalize).
  static std::unique_ptr<Ranks> join(bool required);
  virtual ~Ranks() = default;

  virtual unsigned rank() const noexcept = 0;
  virtual unsigned size() const noexcept = 0;
  // Ranks on this host (event loops are shared out among them, not each one per core).
  virtual unsigned local_size() const noexcept = 0;
  virtual const std::string& host() const noexcept = 0;
  bool is_root() const noexcept { return rank() == 0; }

  virtual void barrier() = 0;
  // Element by element over the ranks; the result on rank 0 only (in place there).
  virtual void sum_to_root(std::span<std::uint64_t> values) = 0;
  virtual void max_to_root(std::span<std::uint64_t> values) = 0;
  // On every rank.
  virtual double min_of(double value) = 0;
  virtual double max_of(double value) = 0;
  virtual int max_of(int value) = 0;
  // Every rank's text in rank order, on rank 0 (empty elsewhere).
  virtual std::vector<std::string> gather(std::string_view text) = 0;
  // Rank 0's text, on every rank.
  virtual std::string broadcast(std::string text) = 0;

  // Point to point: a tagged text to one rank, and the next one that comes (from `from`, or from any rank).
  struct Message {
    unsigned from = 0;
    int tag = 0;
    std::string text;
  };
  virtual void send(unsigned to, int tag, std::string_view text) = 0;
  virtual Message receive(std::optional<unsigned> from) = 0;
};

// This process alone: rank 0 of 1.
std::unique_ptr<Ranks> lone_process();

// Launched by mpirun or another MPI launcher: what the launcher sets in every rank's environment.
bool launched_by_mpi();

// The endpoints this rank talks to out of a comma-separated list: every size-th from its rank, or, with
// fewer endpoints than ranks, the one at rank modulo their number (warp's --host rule, spread over ranks).
std::vector<std::string> endpoints_of_rank(std::string_view list, unsigned rank, unsigned size);

// A rank's share of a total spread as evenly as it goes: the first total % size ranks take one more.
unsigned share_of_rank(unsigned total, unsigned rank, unsigned size);

}  // namespace s3cli
