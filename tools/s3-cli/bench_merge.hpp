// The job's figures out of every rank's, for s3-cli bench under mpirun: merged on rank 0 by adding, never
// by averaging (a mean of percentiles is not the percentile of all the operations).
#pragma once

#include "bench_stats.hpp"
#include "ranks.hpp"

namespace s3cli::bench {

// Collective. On rank 0 the tally becomes the sum over the ranks: counts and bytes added, histograms bucket
// by bucket (MPI_Reduce), largest values kept, seconds second by second, errors status by status. Elsewhere
// it is left as it was. Every rank's tally must count the same seconds (tally()'s seconds_to).
void merge_over_ranks(OpTally& tally, Ranks& ranks);

}  // namespace s3cli::bench
