// The on-chip kernels for fp32 sequences (onchip_launchers.cuh): a file per dtype, built in parallel.
#include "onchip_launchers.cuh"

FB_INSTANTIATE_ONCHIP_LAUNCHERS(float)
