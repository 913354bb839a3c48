// What both GEMM kernels (mma.sync and wgmma) share: the block's tile, the swizzled K-major tiles and
// their asynchronous copies, and the fused epilogue of one pair of adjacent outputs.
#pragma once
#include "mma.cuh"
#include "unary.cuh"

// The first output row and column of BM x BN tile number `tile`: tiles go in groups of 8 tile-rows,
// column by column, so that the tiles computed at once share their rows of a and columns of b in L2.
template <int BM, int BN> __device__ __forceinline__ void tile_origin(int M, int N, unsigned tile, int& m0, int& n0) {
    const int tiles_m = (M + BM - 1) / BM, tiles_n = (N + BN - 1) / BN;
    const int per_group = 8 * tiles_n;
    const int first_m = tile / per_group * 8;
    const int group_rows = min(tiles_m - first_m, 8);
    m0 = (first_m + tile % per_group % group_rows) * BM;
    n0 = tile % per_group / group_rows * BN;
}

// This block's tile: number blockIdx.x.
template <int BM, int BN> __device__ __forceinline__ void block_origin(int M, int N, int& m0, int& n0) {
    tile_origin<BM, BN>(M, N, blockIdx.x, m0, n0);
}

// K-major tiles, rows of BK 16-bit elements in 16-byte chunks. BK = 64: a row is 128 bytes and the
// chunk is XORed with the row's low 3 bits, which is the Tensor Memory Accelerator's 128-byte swizzle
// that wgmma's descriptors name. BK = 32: the chunk is XORed with bits 1-2 of the row. Either way any
// 8 consecutive rows at one chunk, and the chunks of 128 consecutive bytes, hit 8 distinct bank groups.
template <int BK> __device__ __forceinline__ int k_major(int row, int chunk) {
    static_assert(BK == 32 || BK == 64, "rows of 64 or 128 bytes");
    return row * BK + ((chunk ^ (BK == 64 ? row & 7 : (row >> 1) & 3)) << 3);
}

// Copies rows [row0, row0 + ROWS) x [k0, k0 + BK) of a K-major operand (x[row][k] at row * ld + k)
// into a k_major tile, THREADS threads sharing the work; rows >= rows_total and k >= K read as zero.
template <typename T, int ROWS, int BK, int THREADS, bool ALIGNED>
__device__ __forceinline__ void load_k_major(T* tile, const T* x, long long ld, int row0, int rows_total, int k0, int K) {
    constexpr int CHUNKS = ROWS * BK / 8;
#pragma unroll
    for (int i = threadIdx.x; i < CHUNKS; i += THREADS) {
        int row = (unsigned) i / (BK / 8), chunk = (unsigned) i % (BK / 8);
        int r = row0 + row, k = k0 + chunk * 8;
        int count = r < rows_total ? min(max(K - k, 0), 8) : 0;
        const T* src = count > 0 ? x + (long long) r * ld + k : x;
        if (ALIGNED) {
            copy_async_16(tile + k_major<BK>(row, chunk), src, count * 2);
        } else {
            copy_8_checked(tile + k_major<BK>(row, chunk), src, count);
        }
    }
}

// The activation as a call, not inlined: 256 inlined copies per thread made the module 40 times larger.
__device__ __noinline__ float activate(int fn, float x) {
    return apply_unary(fn, x);
}

// out[m][n + e] = act(alpha * acc_e + beta * c[m][n + e]) for e = 0, 1 where n + e < N: out_row and
// c_row (null for no addend) point at row m; pairs are stored as one 32-bit word when aligned.
template <typename T, bool ALIGNED>
__device__ __forceinline__ void store_pair(T* out_row, const T* c_row, long long c_col, int n, int N, float acc0, float acc1,
                                           float alpha, float beta, int activation) {
    float v0 = alpha * acc0, v1 = alpha * acc1;
    if (c_row != nullptr) {
        if (n < N) v0 += beta * to_float(c_row[n * c_col]);
        if (n + 1 < N) v1 += beta * to_float(c_row[(n + 1) * c_col]);
    }
    if (activation >= 0) {
        v0 = activate(activation, v0);
        v1 = activate(activation, v1);
    }
    if (ALIGNED && n + 1 < N) {
        *reinterpret_cast<uint32_t*>(out_row + n) = pack2<T>(v0, v1);
    } else {
        if (n < N) out_row[n] = from_float<T>(v0);
        if (n + 1 < N) out_row[n + 1] = from_float<T>(v1);
    }
}
