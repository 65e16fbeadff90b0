// How many blocks share a channel's batch rows, for kernels whose blocks each take every
// splits-th row of one channel (the learned convolution's forward and backward): enough blocks to
// fill the device in whole rounds. A count that leaves the last round of resident blocks mostly
// empty costs a whole round (the learned backward at L = 256, 64 x 768: 4 blocks per channel
// ran two rounds of 16 rows where 3 run one of 22).
#pragma once

#include <algorithm>
#include <cstdint>

namespace fb {

// Blocks per channel, 1 to batch: the fewest whose cost, rounds of resident blocks times (rows
// per block + block_cost, a block's own work in rows), is within slack (a fraction) of the least.
// Counts past 32 rounds are not tried (they would gain under a thirtieth), which bounds the search.
inline int64_t row_splits(int64_t batch, int64_t channels, int64_t resident, double block_cost, double slack) {
    auto cost = [&](int64_t splits) {
        const int64_t rounds = (channels * splits + resident - 1) / resident;
        return static_cast<double>(rounds) * (static_cast<double>((batch + splits - 1) / splits) + block_cost);
    };
    const int64_t most = std::max<int64_t>(1, std::min(batch, 32 * resident / channels));
    double least = cost(1);
    for (int64_t splits = 2; splits <= most; ++splits) least = std::min(least, cost(splits));
    int64_t splits = 1;
    while (cost(splits) > (1.0 + slack) * least) ++splits;
    return splits;
}

}  // namespace fb
