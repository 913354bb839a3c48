// GEMM with a fused epilogue on the Tensor Cores' mma.sync (sm_80 and later), 16-bit inputs, F32
// accumulation:
//   out[p][m][n] = act(alpha * sum_k a[p][m][k] * b[p][k][n] + beta * c[p][m][n])
//   a (M,K) row-major, b (K,N) row-major ("nn") or stored (N,K) row-major ("nt", a transposed view),
//   c any strides (a bias is c with row stride 0), out (M,N) row-major; p < batch, each operand with
//   its own batch stride (0 broadcasts). act is a UnaryFn ordinal, or -1 for none.
//
// A block computes a 128x256 tile of out with 8 warps, each a 64x64 piece (4 x 8 mma tiles of 16x8).
// K advances 32 at a time through a 4-stage cp.async pipeline in shared memory (96 KB), swizzled so
// that neither the 16-byte copies nor ldmatrix meet bank conflicts. Rows and columns past M, N, K
// are zero-filled by the copies (their partial source size), so tails need no other path. The
// "_any" kernels read element by element: for operands whose rows are not 16-byte aligned.
#include "../common/mma.cuh"
#include "../common/unary.cuh"

namespace {
constexpr int BM = 128, BN = 256, BK = 32, STAGES = 4, THREADS = 256;
constexpr int A_STAGE = BM * BK, B_STAGE = BN * BK;  // elements

// K-major tiles (rows of BK = 32 elements, four 16-byte chunks): the chunk is XORed with bits 1-2 of
// the row, so any 8 consecutive rows at one chunk, and any 2 rows' 4 chunks, hit 8 distinct bank groups.
__device__ __forceinline__ int k_major(int row, int chunk) {
    return row * BK + ((chunk ^ ((row >> 1) & 3)) << 3);
}

// N-major B tiles (BK rows of BN = 256 elements): the chunk is XORed with the row's low 3 bits.
__device__ __forceinline__ int n_major(int k, int chunk) {
    return k * BN + ((chunk ^ (k & 7)) << 3);
}

// The activation as a call, not inlined: 256 inlined copies per thread made the module 40 times larger.
__device__ __noinline__ float activate(int fn, float x) {
    return apply_unary(fn, x);
}

struct Problem {
    int M, N, K;
};

// Copies rows [row0, row0 + ROWS) x k-chunks [k0, k0 + BK) of a K-major operand (x[row][k] at
// row * ld + k) into a k_major tile; rows >= rows_total and k >= K read as zero.
template <typename T, int ROWS, bool ALIGNED>
__device__ __forceinline__ void load_k_major(T* tile, const T* x, long long ld, int row0, int rows_total, int k0, int K) {
    constexpr int CHUNKS = ROWS * BK / 8;
#pragma unroll
    for (int i = threadIdx.x; i < CHUNKS; i += THREADS) {
        int row = i >> 2, chunk = i & 3;
        int r = row0 + row, k = k0 + chunk * 8;
        int count = r < rows_total ? min(max(K - k, 0), 8) : 0;
        const T* src = count > 0 ? x + (long long) r * ld + k : x;
        if (ALIGNED) {
            copy_async_16(tile + k_major(row, chunk), src, count * 2);
        } else {
            copy_8_checked(tile + k_major(row, chunk), src, count);
        }
    }
}

// Copies b[k0 .. k0 + BK)[n0 .. n0 + BN) of an N-major b (b[k][n] at k * ld + n) into an n_major tile.
template <typename T, bool ALIGNED>
__device__ __forceinline__ void load_n_major(T* tile, const T* b, long long ld, int n0, int N, int k0, int K) {
    constexpr int CHUNKS = BK * BN / 8;
#pragma unroll
    for (int i = threadIdx.x; i < CHUNKS; i += THREADS) {
        int k = i >> 5, chunk = i & 31;
        int n = n0 + chunk * 8;
        int count = k0 + k < K ? min(max(N - n, 0), 8) : 0;
        const T* src = count > 0 ? b + (long long) (k0 + k) * ld + n : b;
        if (ALIGNED) {
            copy_async_16(tile + n_major(k, chunk), src, count * 2);
        } else {
            copy_8_checked(tile + n_major(k, chunk), src, count);
        }
    }
}

template <typename T, bool B_K_MAJOR, bool ALIGNED>
__device__ __forceinline__ void load_stage(T* a_tile, T* b_tile, const T* a, long long lda, const T* b, long long ldb,
                                           Problem p, int m0, int n0, int k0) {
    load_k_major<T, BM, ALIGNED>(a_tile, a, lda, m0, p.M, k0, p.K);
    if (B_K_MAJOR) {
        load_k_major<T, BN, ALIGNED>(b_tile, b, ldb, n0, p.N, k0, p.K);
    } else {
        load_n_major<T, ALIGNED>(b_tile, b, ldb, n0, p.N, k0, p.K);
    }
}

// acc += the warp's 64x64 piece of a_tile (BM x BK) times b_tile (BK x BN), for one stage.
template <typename T, bool B_K_MAJOR>
__device__ __forceinline__ void multiply_stage(float (&acc)[4][8][4], const T* a_tile, const T* b_tile, int warp_m, int warp_n,
                                               int lane) {
#pragma unroll
    for (int kk = 0; kk < BK / 16; ++kk) {
        uint32_t a[4][4];
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            load_matrix_x4(a[i], a_tile + k_major(warp_m * 64 + i * 16 + (lane & 15), kk * 2 + (lane >> 4)));
        }
        uint32_t b[4][4];  // b[j] = {b0, b1} of n-tile 2j, then {b0, b1} of n-tile 2j + 1
#pragma unroll
        for (int j = 0; j < 4; ++j) {
            if (B_K_MAJOR) {
                load_matrix_x4(b[j], b_tile + k_major(warp_n * 64 + j * 16 + (lane & 7) + ((lane >> 4) << 3),
                                                      kk * 2 + ((lane >> 3) & 1)));
            } else {
                load_matrix_x4_transposed(b[j], b_tile + n_major(kk * 16 + (lane & 7) + (((lane >> 3) & 1) << 3),
                                                                 (warp_n * 64 + j * 16) / 8 + (lane >> 4)));
            }
        }
#pragma unroll
        for (int i = 0; i < 4; ++i) {
#pragma unroll
            for (int j = 0; j < 8; ++j) {
                mma_16816<T>(acc[i][j], a[i], b[j >> 1][(j & 1) * 2], b[j >> 1][(j & 1) * 2 + 1]);
            }
        }
    }
}

template <typename T, bool B_K_MAJOR, bool ALIGNED>
__device__ void gemm(int M, int N, int K, int batch, const T* a, long long lda, long long a_batch, const T* b,
                     long long ldb, long long b_batch, const T* c, long long c_row, long long c_col, long long c_batch,
                     float beta, T* out, long long ldo, long long out_batch, float alpha, int activation) {
    extern __shared__ __align__(128) unsigned char shared[];
    T* a_tiles = reinterpret_cast<T*>(shared);
    T* b_tiles = a_tiles + STAGES * A_STAGE;
    const Problem problem{M, N, K};
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int warp_m = warp >> 2, warp_n = warp & 3;

    // Tiles in groups of 8 tile-rows, column by column, so that concurrent blocks share a and b in L2.
    const int tiles_m = (M + BM - 1) / BM, tiles_n = (N + BN - 1) / BN;
    const int per_group = 8 * tiles_n;
    const int first_m = blockIdx.x / per_group * 8;
    const int group_rows = min(tiles_m - first_m, 8);
    const int m0 = (first_m + blockIdx.x % per_group % group_rows) * BM;
    const int n0 = blockIdx.x % per_group / group_rows * BN;
    const int k_tiles = (K + BK - 1) / BK;

    for (int p = blockIdx.y; p < batch; p += gridDim.y) {
        const T* ap = a + p * a_batch;
        const T* bp = b + p * b_batch;
        float acc[4][8][4] = {};
#pragma unroll
        for (int s = 0; s < STAGES - 1; ++s) {
            if (s < k_tiles) {
                load_stage<T, B_K_MAJOR, ALIGNED>(a_tiles + s * A_STAGE, b_tiles + s * B_STAGE, ap, lda, bp, ldb, problem, m0, n0, s * BK);
            }
            copy_async_commit();
        }
        for (int kt = 0; kt < k_tiles; ++kt) {
            copy_async_wait<STAGES - 2>();
            __syncthreads();  // stage kt has landed for everyone, and stage kt - 1 is free to refill
            int next = kt + STAGES - 1;
            if (next < k_tiles) {
                int s = next % STAGES;
                load_stage<T, B_K_MAJOR, ALIGNED>(a_tiles + s * A_STAGE, b_tiles + s * B_STAGE, ap, lda, bp, ldb, problem, m0, n0,
                                                  next * BK);
            }
            copy_async_commit();
            int s = kt % STAGES;
            multiply_stage<T, B_K_MAJOR>(acc, a_tiles + s * A_STAGE, b_tiles + s * B_STAGE, warp_m, warp_n, lane);
        }
        copy_async_wait<0>();
        __syncthreads();  // the next batch's first loads overwrite stages still being read

        const T* cp = c == nullptr ? nullptr : c + p * c_batch;
        T* op = out + p * out_batch;
#pragma unroll
        for (int i = 0; i < 4; ++i) {
#pragma unroll
            for (int half = 0; half < 2; ++half) {
                const int m = m0 + warp_m * 64 + i * 16 + (lane >> 2) + half * 8;
                if (m < M) {
                    T* out_row = op + m * ldo;
                    const T* c_row_at = cp == nullptr ? nullptr : cp + m * c_row;
#pragma unroll
                    for (int j = 0; j < 8; ++j) {
                        const int n = n0 + warp_n * 64 + j * 8 + (lane & 3) * 2;
                        float v0 = alpha * acc[i][j][half * 2], v1 = alpha * acc[i][j][half * 2 + 1];
                        if (c_row_at != nullptr) {
                            if (n < N) v0 += beta * to_float(c_row_at[n * c_col]);
                            if (n + 1 < N) v1 += beta * to_float(c_row_at[(n + 1) * c_col]);
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
                }
            }
        }
    }
}
}  // namespace

#define GEMM_KERNEL(name, T, B_K_MAJOR, ALIGNED)                                                                             \
    extern "C" __global__ void __launch_bounds__(THREADS, 1) name(                                                         \
        int M, int N, int K, int batch, const T* a, long long lda, long long a_batch, const T* b, long long ldb,            \
        long long b_batch, const T* c, long long c_row, long long c_col, long long c_batch, float beta, T* out,             \
        long long ldo, long long out_batch, float alpha, int activation) {                                                  \
        gemm<T, B_K_MAJOR, ALIGNED>(M, N, K, batch, a, lda, a_batch, b, ldb, b_batch, c, c_row, c_col, c_batch, beta, out, \
                                    ldo, out_batch, alpha, activation);                                                     \
    }

GEMM_KERNEL(gemm_bf16_nn, __nv_bfloat16, false, true)
GEMM_KERNEL(gemm_bf16_nt, __nv_bfloat16, true, true)
GEMM_KERNEL(gemm_bf16_nn_any, __nv_bfloat16, false, false)
GEMM_KERNEL(gemm_bf16_nt_any, __nv_bfloat16, true, false)
GEMM_KERNEL(gemm_f16_nn, __half, false, true)
GEMM_KERNEL(gemm_f16_nt, __half, true, true)
GEMM_KERNEL(gemm_f16_nn_any, __half, false, false)
GEMM_KERNEL(gemm_f16_nt_any, __half, true, false)
