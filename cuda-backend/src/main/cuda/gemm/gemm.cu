// GEMM with a fused epilogue on the Tensor Cores' mma.sync (sm_80 and later), 16-bit inputs, F32
// accumulation:
//   out[p][m][n] = act(alpha * sum_k a[p][m][k] * b[p][k][n] + beta * c[p][m][n])
//   a (M,K) row-major, b (K,N) row-major ("nn") or stored (N,K) row-major ("nt", a transposed view),
//   c any strides (a bias is c with row stride 0), out (M,N) row-major; p < batch, each operand with
//   its own batch stride (0 broadcasts). act is a UnaryFn ordinal, or -1 for none.
//
// A block computes a 128x128 tile of out with 4 warps, each a 64x64 piece (4 x 8 mma tiles of 16x8),
// two blocks to a multiprocessor (measured on an H100 beside 128x256 blocks of 8 warps, one to a
// multiprocessor: 233 against 217 TFLOP/s at 8192^3, and ahead at every size of the GPU check). K
// advances 32 at a time through a 4-stage cp.async pipeline in shared memory (64 KB), swizzled so
// that neither the 16-byte copies nor ldmatrix meet bank conflicts. Rows and columns past M, N, K
// are zero-filled by the copies (their partial source size), so tails need no other path. The
// "_any" kernels read element by element: for operands whose rows are not 16-byte aligned.
#include "../common/gemm_tiles.cuh"

namespace {
constexpr int BM = 128, BN = 128, BK = 32, STAGES = 4, THREADS = 128;  // a warp per 64 x 64 piece
constexpr int A_STAGE = BM * BK, B_STAGE = BN * BK;                       // elements

struct Problem {
    int M, N, K;
};

// N-major B tiles (BK rows of BN elements): the chunk is XORed with the row's low 3 bits.
__device__ __forceinline__ int n_major(int k, int chunk) {
    return k * BN + ((chunk ^ (k & 7)) << 3);
}

// Copies b[k0 .. k0 + BK)[n0 .. n0 + BN) of an N-major b (b[k][n] at k * ld + n) into an n_major tile.
template <typename T, bool ALIGNED>
__device__ __forceinline__ void load_n_major(T* tile, const T* b, long long ld, int n0, int N, int k0, int K) {
    constexpr int CHUNKS = BK * BN / 8;
#pragma unroll
    for (int i = threadIdx.x; i < CHUNKS; i += THREADS) {
        int k = i / (BN / 8), chunk = i % (BN / 8);
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
    load_k_major<T, BM, BK, THREADS, ALIGNED>(a_tile, a, lda, m0, p.M, k0, p.K);
    if (B_K_MAJOR) {
        load_k_major<T, BN, BK, THREADS, ALIGNED>(b_tile, b, ldb, n0, p.N, k0, p.K);
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
            load_matrix_x4(a[i], a_tile + k_major<BK>(warp_m * 64 + i * 16 + (lane & 15), kk * 2 + (lane >> 4)));
        }
        uint32_t b[4][4];  // b[j] = {b0, b1} of n-tile 2j, then {b0, b1} of n-tile 2j + 1
#pragma unroll
        for (int j = 0; j < 4; ++j) {
            if (B_K_MAJOR) {
                load_matrix_x4(b[j], b_tile + k_major<BK>(warp_n * 64 + j * 16 + (lane & 7) + ((lane >> 4) << 3),
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
    T* a_tiles = reinterpret_cast<T*>(dynamic_shared);
    T* b_tiles = a_tiles + STAGES * A_STAGE;
    const Problem problem{M, N, K};
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int warp_m = warp / (BN / 64), warp_n = warp % (BN / 64);

    int m0, n0;
    block_origin<BM, BN>(M, N, m0, n0);
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
                        store_pair<T, ALIGNED>(out_row, c_row_at, c_col, n, N, acc[i][j][half * 2], acc[i][j][half * 2 + 1], alpha,
                                               beta, activation);
                    }
                }
            }
        }
    }
}
}  // namespace

#define GEMM_KERNEL(name, T, B_K_MAJOR, ALIGNED)                                                                              \
    extern "C" __global__ void __launch_bounds__(THREADS, 2) name(                                                         \
        int M, int N, int K, int batch, const T* a, long long lda, long long a_batch, const T* b, long long ldb,            \
        long long b_batch, const T* c, long long c_row, long long c_col, long long c_batch, float beta, T* out,             \
        long long ldo, long long out_batch, float alpha, int activation) {                                                  \
        gemm<T, B_K_MAJOR, ALIGNED>(M, N, K, batch, a, lda, a_batch, b, ldb, b_batch, c, c_row, c_col, c_batch, beta, out,  \
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
