// Ranks in a build without MPI: always this process alone.
#include "context.hpp"
#include "ranks.hpp"

namespace s3cli {

std::unique_ptr<Ranks> Ranks::join(bool required) {
  // Each process would otherwise run the whole command as if alone, N times over.
  if (required || launched_by_mpi())
    throw UsageError("this s3-cli was built without MPI: it cannot run as ranks of an MPI job (meson setup -Dmpi=enabled)");
  return lone_process();
}

}  // namespace s3cli
