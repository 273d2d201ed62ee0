// What the builds with and without MPI share: a world of one, the launcher's environment, and how work is
// spread over ranks.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <stdexcept>

#include "ranks.hpp"

namespace s3cli {
namespace {

class SingleRank final : public Ranks {
 public:
  SingleRank() {
    std::array<char, 256> name{};
    host_ = gethostname(name.data(), name.size() - 1) == 0 ? name.data() : "localhost";
  }
  unsigned rank() const noexcept override { return 0; }
  unsigned size() const noexcept override { return 1; }
  unsigned local_size() const noexcept override { return 1; }
  const std::string& host() const noexcept override { return host_; }
  void barrier() override {}
  void sum_to_root(std::span<std::uint64_t>) override {}
  void max_to_root(std::span<std::uint64_t>) override {}
  double min_of(double value) override { return value; }
  double max_of(double value) override { return value; }
  int max_of(int value) override { return value; }
  std::vector<std::string> gather(std::string_view text) override { return {std::string(text)}; }
  std::string broadcast(std::string text) override { return text; }
  void send(unsigned, int, std::string_view) override { throw std::logic_error("a lone process has no rank to send to"); }
  Message receive(std::optional<unsigned>) override { throw std::logic_error("a lone process has no rank to hear from"); }

 private:
  std::string host_;
};

}  // namespace

std::unique_ptr<Ranks> lone_process() { return std::make_unique<SingleRank>(); }

bool launched_by_mpi() {
  // Open MPI's mpirun, then the PMI launchers (MPICH's hydra, Slurm's srun).
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

std::vector<std::string> endpoints_of_rank(std::string_view list, unsigned rank, unsigned size) {
  std::vector<std::string> all;
  for (std::size_t from = 0; from <= list.size();) {
    const std::size_t comma = std::min(list.find(',', from), list.size());
    if (comma > from) all.emplace_back(list.substr(from, comma - from));
    from = comma + 1;
  }
  if (all.size() <= 1) return all;
  if (all.size() < size) return {all[rank % all.size()]};
  std::vector<std::string> mine;
  for (std::size_t i = rank; i < all.size(); i += size) mine.push_back(all[i]);
  return mine;
}

unsigned share_of_rank(unsigned total, unsigned rank, unsigned size) {
  return total / size + (rank < total % size ? 1 : 0);
}

}  // namespace s3cli
