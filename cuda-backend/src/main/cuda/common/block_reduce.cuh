// Sums and maxima across a block of at most 1024 threads, every thread getting the result.
#pragma once

template <typename T> struct Sum {
    __device__ __forceinline__ T operator()(T a, T b) const { return a + b; }
    __device__ __forceinline__ T identity() const { return (T) 0; }
};

// Propagates NaN, as the reference's Math.max does.
template <typename T> struct Max {
    __device__ __forceinline__ T operator()(T a, T b) const { return a != a || b != b ? a + b : (a > b ? a : b); }
    __device__ __forceinline__ T identity() const { return (T) -INFINITY; }
};

template <typename T, typename Op> __device__ __forceinline__ T warp_reduce(T v, Op op) {
    for (int lane_mask = 16; lane_mask > 0; lane_mask /= 2) {
        v = op(v, __shfl_xor_sync(0xffffffffu, v, lane_mask));
    }
    return v;
}

// Every thread of the block must call it; blockDim.x is a multiple of 32.
template <typename T, typename Op> __device__ T block_reduce(T v, Op op) {
    __shared__ T warps[32];
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warp_count = blockDim.x / 32;
    v = warp_reduce(v, op);
    if (lane == 0) {
        warps[warp] = v;
    }
    __syncthreads();
    v = lane < warp_count ? warps[lane] : op.identity();
    v = warp_reduce(v, op);
    __syncthreads();
    return v;
}
