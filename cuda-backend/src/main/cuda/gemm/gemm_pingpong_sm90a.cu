// ptx-target: compute_90a
// GEMM with an activation on Hopper's warpgroup MMA (wgmma, sm_90a), 16-bit inputs, F32 accumulation:
//   out[p][m][n] = act(alpha * sum_k a[p][m][k] * b[p][n][k] + beta * c[p][m][n])
// with the operands of gemm_sm90a.cu (a (M,K) K-major, b (N,K) K-major "nt" or (K,N) N-major "nn",
// both through 3-d tensor maps; c any strides; out (M,N) row-major). NOT YET RUN ON A GPU.
//
// gemm_sm90a.cu computes its activation while the Tensor Cores wait: both consumers finish a tile
// together, then both run the epilogue (GELU: 0.59 ms of 2.49 at 8192x16384x4096 on an H100). Here
// the two consumers take turns, as CUTLASS's "ping-pong" kernels and FlashAttention-3 do:
//   - a persistent grid: block b computes tiles b, b + gridDim.x, b + 2 gridDim.x, ... (every batch's
//     128x128 tiles in one sequence), consumer c the block's tiles i with i % 2 == c;
//   - the producer warpgroup (setmaxnreg 40) streams every K step of those tiles, in order, through
//     one ring of 6 stages of 128x64 of a and 128x64 of b (192 KB, the 128-byte swizzle), full and
//     empty mbarriers per stage, the step count running on across tiles;
//   - a consumer (setmaxnreg 232) multiplies its tile with two wgmma.m64n128k16 a K step (rows 0-63 and
//     64-127), 128 F32 accumulators a thread, then applies the epilogue from its registers while the
//     other consumer multiplies the next tile: named barrier 1 + c opens consumer c's turn, the other
//     consumer arriving there once it has issued its last multiply. Taking turns also keeps each
//     consumer's waits on the ring at most one phase ahead of the barriers, which a parity wait needs.
// The epilogue takes its activation eight values a call (one switch, eight evaluations overlapping)
// and stores pairs. Not for products without an activation: 128x128 tiles read a third more of a
// and b from L2 per multiply than gemm_sm90a.cu's 128x256.
#include "../common/gemm_tiles.cuh"
#include "../common/hopper.cuh"

// Eight activations in one call: not inlined (128 inlined copies of every function made the module
// 40 times larger, gemm_tiles.cuh's activate), but eight to a call so that they overlap. At global
// scope: a function in the anonymous namespace has a name that hashes the source's path.
struct Eight {
    float v[8];
};

__device__ __noinline__ Eight activate_eight(int fn, Eight x) {
    apply_unary_each(fn, x.v);
    return x;
}

namespace {
constexpr int BM = 128, BN = 128, BK = 64, STAGES = 6, THREADS = 384;
constexpr int A_STAGE = BM * BK, B_STAGE = BN * BK;  // elements
constexpr int STAGE_BYTES = (A_STAGE + B_STAGE) * 2;
constexpr int PRODUCER_REGISTERS = 40, CONSUMER_REGISTERS = 232;
constexpr int N_CHUNK_BYTES = 64 * BK * 2;  // an N-major b's box: 64 columns of one K step
constexpr int TURN = 1;                     // named barrier TURN + c: consumer c may multiply

// The block's tiles and where each lies: tile i of the block is number blockIdx.x + i gridDim.x of
// the launch, batch p0 + number / per_batch.
struct Tiles {
    int M, N, per_batch, p0;
    long long count;  // the block's

    __device__ Tiles(int M, int N, int p0, int batches) : M(M), N(N), p0(p0) {
        per_batch = ((M + BM - 1) / BM) * ((N + BN - 1) / BN);
        long long total = (long long) per_batch * batches;
        count = total > blockIdx.x ? (total - blockIdx.x + gridDim.x - 1) / gridDim.x : 0;
    }

    __device__ __forceinline__ void origin(long long i, int& p, int& m0, int& n0) const {
        const long long number = blockIdx.x + i * gridDim.x;
        p = p0 + (int) (number / per_batch);
        tile_origin<BM, BN>(M, N, (unsigned) (number % per_batch), m0, n0);
    }
};

// The producer: one thread streams every K step of the block's tiles into the ring. A K-major b
// arrives as one 128 x 64 box; an N-major b as two 64 (K) x 64 (N) boxes, 64 columns each, 8 KB apart.
template <bool B_N_MAJOR>
__device__ __forceinline__ void produce(const TensorMap& a_map, const TensorMap& b_map, int a_batched, int b_batched,
                                        const Tiles& tiles, int k_tiles, unsigned char* a_tiles, unsigned char* b_tiles,
                                        uint64_t* full, uint64_t* empty) {
    long long step = 0;
    for (long long i = 0; i < tiles.count; ++i) {
        int p, m0, n0;
        tiles.origin(i, p, m0, n0);
        for (int kt = 0; kt < k_tiles; ++kt, ++step) {
            const int s = (int) (step % STAGES), round = (int) (step / STAGES);
            barrier_wait(&empty[s], (round & 1) ^ 1);
            barrier_arrive_expecting(&full[s], STAGE_BYTES);
            copy_tile(a_tiles + s * A_STAGE * 2, a_map, kt * BK, m0, a_batched * p, &full[s]);
            if (B_N_MAJOR) {
#pragma unroll
                for (int chunk = 0; chunk < BN / 64; ++chunk) {
                    copy_tile(b_tiles + s * B_STAGE * 2 + chunk * N_CHUNK_BYTES, b_map, n0 + 64 * chunk, kt * BK, b_batched * p,
                              &full[s]);
                }
            } else {
                copy_tile(b_tiles + s * B_STAGE * 2, b_map, kt * BK, n0, b_batched * p, &full[s]);
            }
        }
    }
}

// acc = act(alpha acc + beta c) for the tile at (m0, n0), then stored as pairs: acc[half] holds rows
// 64 half .. 64 half + 63 in the accumulator layout of wgmma_64x128x16.
template <typename T>
__device__ __forceinline__ void epilogue(float (&acc)[2][64], int M, int N, int m0, int n0, const T* c, long long c_row,
                                         long long c_col, float beta, T* out, long long ldo, float alpha, int activation) {
    const int thread = threadIdx.x % 128, warp = thread / 32, lane = thread % 32;
#pragma unroll
    for (int half = 0; half < 2; ++half) {
#pragma unroll
        for (int h = 0; h < 2; ++h) {
            const int m = m0 + 64 * half + 16 * warp + lane / 4 + 8 * h;
#pragma unroll
            for (int j = 0; j < BN / 8; ++j) {
#pragma unroll
                for (int e = 0; e < 2; ++e) {
                    const int n = n0 + 8 * j + 2 * (lane % 4) + e;
                    float& v = acc[half][4 * j + 2 * h + e];
                    v *= alpha;
                    if (c != nullptr && m < M && n < N) {
                        v += beta * to_float(c[m * c_row + n * c_col]);
                    }
                }
            }
        }
    }
    if (activation >= 0) {
#pragma unroll
        for (int group = 0; group < 16; ++group) {
            Eight x;
#pragma unroll
            for (int e = 0; e < 8; ++e) {
                x.v[e] = acc[group / 8][group % 8 * 8 + e];
            }
            x = activate_eight(activation, x);
#pragma unroll
            for (int e = 0; e < 8; ++e) {
                acc[group / 8][group % 8 * 8 + e] = x.v[e];
            }
        }
    }
#pragma unroll
    for (int half = 0; half < 2; ++half) {
#pragma unroll
        for (int h = 0; h < 2; ++h) {
            const int m = m0 + 64 * half + 16 * warp + lane / 4 + 8 * h;
            if (m < M) {
#pragma unroll
                for (int j = 0; j < BN / 8; ++j) {
                    store_pair<T, true>(out + m * ldo, nullptr, 0, n0 + 8 * j + 2 * (lane % 4), N, acc[half][4 * j + 2 * h],
                                        acc[half][4 * j + 2 * h + 1], 1.0f, 0.0f, -1);
                }
            }
        }
    }
}

// Consumer `turn` (0 or 1): the block's tiles turn, turn + 2, ..., each multiplied in its turn, then its epilogue.
template <typename T, bool B_N_MAJOR>
__device__ __forceinline__ void consume(int turn, const Tiles& tiles, int k_tiles, unsigned char* a_tiles,
                                        const unsigned char* b_tiles, uint64_t* full, uint64_t* empty, const T* c,
                                        long long c_row, long long c_col, long long c_batch, float beta, T* out, long long ldo,
                                        long long out_batch, float alpha, int activation) {
    const int thread = threadIdx.x % 128;
    for (long long i = turn; i < tiles.count; i += 2) {
        int p, m0, n0;
        tiles.origin(i, p, m0, n0);
        float acc[2][64];
#pragma unroll
        for (int half = 0; half < 2; ++half) {
#pragma unroll
            for (int r = 0; r < 64; ++r) {
                acc[half][r] = 0.0f;
            }
        }
        if (i > 0) {
            named_barrier(TURN + turn, 256);  // the other consumer has issued tile i - 1's last multiply
        }
        long long step = i * k_tiles;
        for (int kt = 0; kt < k_tiles; ++kt, ++step) {
            const int s = (int) (step % STAGES);
            barrier_wait(&full[s], (int) (step / STAGES) & 1);
            const uint64_t a_descriptor = descriptor(a_tiles + s * A_STAGE * 2);
            const uint64_t b_descriptor = B_N_MAJOR ? transposed_descriptor(b_tiles + s * B_STAGE * 2, N_CHUNK_BYTES)
                                                    : descriptor(b_tiles + s * B_STAGE * 2);
            wgmma_fence();
#pragma unroll
            for (int k = 0; k < BK / 16; ++k) {
                // 16 elements further along K: 32 bytes further into each swizzled row of a (and of a
                // K-major b), 2 in descriptor units; 16 rows of 128 bytes further into an N-major b, 128
                // units. Rows 64-127 of a lie 64 rows of 128 bytes (512 units) after rows 0-63.
                const uint64_t b_k = b_descriptor + (B_N_MAJOR ? 128 : 2) * k;
                wgmma_64x128x16<T, B_N_MAJOR>(acc[0], a_descriptor + 2 * k, b_k, 1);
                wgmma_64x128x16<T, B_N_MAJOR>(acc[1], a_descriptor + 512 + 2 * k, b_k, 1);
            }
            wgmma_commit();
            wgmma_wait<1>();  // the previous step's wgmma are done: free its stage
            if (kt > 0 && thread == 0) {
                barrier_arrive(&empty[(step - 1) % STAGES]);
            }
        }
        if (i + 1 < tiles.count) {
            named_barrier_arrive(TURN + 1 - turn, 256);  // the other consumer's turn
        }
        wgmma_wait<0>();
        if (k_tiles > 0 && thread == 0) {
            barrier_arrive(&empty[(step - 1) % STAGES]);
        }
        epilogue<T>(acc, tiles.M, tiles.N, m0, n0, c == nullptr ? nullptr : c + p * c_batch, c_row, c_col, beta,
                    out + p * out_batch, ldo, alpha, activation);
    }
}

template <typename T, bool B_N_MAJOR>
__device__ void gemm(const TensorMap& a_map, const TensorMap& b_map, int a_batched, int b_batched, int M, int N, int K,
                     int p0, int batches, const T* c, long long c_row, long long c_col, long long c_batch, float beta, T* out,
                     long long ldo, long long out_batch, float alpha, int activation) {
    const StageRing r = stage_ring<STAGES, A_STAGE * 2, B_STAGE * 2>(1);

    const Tiles tiles(M, N, p0, batches);
    const int k_tiles = (K + BK - 1) / BK;
    const int warpgroup = threadIdx.x / 128;
    if (warpgroup == 0) {
        release_registers<PRODUCER_REGISTERS>();
        if (threadIdx.x == 0) {
            produce<B_N_MAJOR>(a_map, b_map, a_batched, b_batched, tiles, k_tiles, r.a_tiles, r.b_tiles, r.full, r.empty);
        }
    } else {
        claim_registers<CONSUMER_REGISTERS>();
        consume<T, B_N_MAJOR>(warpgroup - 1, tiles, k_tiles, r.a_tiles, r.b_tiles, r.full, r.empty, c, c_row, c_col, c_batch, beta,
                              out, ldo, out_batch, alpha, activation);
    }
}
}  // namespace

// Batches p0 .. p0 + batches - 1, every block persistent over their tiles. a_batched, b_batched: 1 where
// the operand's tensor map has a batch dimension, 0 where one matrix serves every batch.
#define GEMM_KERNEL(name, T, B_N_MAJOR)                                                                                         \
    extern "C" __global__ void __launch_bounds__(THREADS, 1) name(                                                            \
        const __grid_constant__ TensorMap a_map, const __grid_constant__ TensorMap b_map, int a_batched, int b_batched,        \
        int M, int N, int K, int p0, int batches, const T* c, long long c_row, long long c_col, long long c_batch, float beta, \
        T* out, long long ldo, long long out_batch, float alpha, int activation) {                                             \
        gemm<T, B_N_MAJOR>(a_map, b_map, a_batched, b_batched, M, N, K, p0, batches, c, c_row, c_col, c_batch, beta, out, ldo, \
                           out_batch, alpha, activation);                                                                      \
    }

GEMM_KERNEL(gemm_bf16_nt_pingpong_sm90a, __nv_bfloat16, false)
GEMM_KERNEL(gemm_f16_nt_pingpong_sm90a, __half, false)
GEMM_KERNEL(gemm_bf16_nn_pingpong_sm90a, __nv_bfloat16, true)
GEMM_KERNEL(gemm_f16_nn_pingpong_sm90a, __half, true)
