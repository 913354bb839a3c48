// ptx-target: compute_90a
// GEMM on Hopper's warpgroup matrix multiply (wgmma, sm_90a: the H100 and H200 only), 16-bit inputs,
// F32 accumulation, the same fused epilogue as gemm.cu:
//   out[p][m][n] = act(alpha * sum_k a[p][m][k] * b[p][n][k] + beta * c[p][m][n])
//   a (M,K) K-major; b (N,K) K-major ("nt": the transposed view of a (K,N) operand, as linear's
//   weight is) or, in the unvalidated build only, (K,N) N-major ("nn": read through wgmma's transposed
//   descriptor); c any strides, out (M,N) row-major; block row p0 + blockIdx.y computes batch p. a and b are
//   read through tensor maps (cuTensorMapEncodeTiled, 3-d: columns, rows, batch), so their rows and
//   batches are 16-byte aligned.
//
// A block of three warpgroups (384 threads) computes a 128x256 tile, its warpgroups specialised:
//   - warpgroup 0, the producer, gives up registers (setmaxnreg 40) and one of its threads issues the
//     Tensor Memory Accelerator's copies (cp.async.bulk.tensor) of each K step's 128x64 tile of a and
//     256x64 tile of b (N-major: four 64x64 boxes, 64 columns each) into a 4-stage ring (192 KB, then 64 bytes of barriers) in the 128-byte
//     swizzle wgmma's descriptors name; rows, columns and K past the operands' ends arrive as zeros.
//   - warpgroups 1 and 2, the consumers, take the registers (setmaxnreg 232): consumer g owns rows
//     64g..64g+63 and issues wgmma.m64n256k16 on each stage, 128 F32 accumulators a thread, then the
//     fused epilogue, staged through the ring so that each store is 16 bytes.
// Each stage has two mbarriers: `full` completes when both copies have landed (the producer's arrival
// announces their bytes), `empty` when both consumers have finished the wgmma that read it. A
// consumer keeps one K step's wgmma in flight while it waits for the next stage, and frees a stage
// one step later. This is the Hopper ladder's rungs 2 and 3 (TMA, warp specialisation with
// setmaxnreg); no persistent grid, no clusters. Measured on an H100 (benchmarks/results/gpu), bf16
// 8192^3 with b K-major: 646 TFLOP/s, 0.949 of cuBLAS in the same call (the rung before, cp.async
// and two warpgroups without specialisation: 388); b N-major ran on mma.sync then, at 0.34.
//
// The N-major kernels first passed on an H200 on 2026-12-04 (gpu-runs.md).
#include "../common/gemm_tiles.cuh"
#include "../common/hopper.cuh"

namespace {
constexpr int BM = 128, BN = 256, BK = 64, STAGES = 4, THREADS = 384;
constexpr int A_STAGE = BM * BK, B_STAGE = BN * BK;  // elements
constexpr int STAGE_BYTES = (A_STAGE + B_STAGE) * 2;
constexpr int PRODUCER_REGISTERS = 40, CONSUMER_REGISTERS = 232;
constexpr int N_CHUNK_BYTES = 64 * BK * 2;  // an N-major b's box: 64 columns of one K step
constexpr int STAGING_ROW = BN + 8;  // floats: a row of the epilogue's staged accumulators, padded
static_assert(2 * 64 * STAGING_ROW * 4 <= STAGES * STAGE_BYTES, "the staged accumulators fit in the ring");

// d += A B for A 64x16 (descriptor a, K-major) and B 16x256 (descriptor b: K-major, or with
// B_N_MAJOR N-major, read transposed), d in the accumulator layout: thread t of the warpgroup holds
// d[4j + 2h + e] = D[16 (t / 32) + (t % 32) / 4 + 8h][8j + 2 (t % 4) + e].
template <typename T, bool B_N_MAJOR> __device__ __forceinline__ void wgmma_64x256x16(float (&d)[128], uint64_t a, uint64_t b);

#define WGMMA_64x256x16(T, B_N_MAJOR, ptx) \
template <> __device__ __forceinline__ void wgmma_64x256x16<T, B_N_MAJOR>(float (&d)[128], uint64_t a, uint64_t b) { \
    asm volatile( \
        "{\n" \
        ".reg .pred p;\n" \
        "setp.ne.b32 p, 1, 0;\n" \
        "wgmma.mma_async.sync.aligned.m64n256k16.f32." ptx "." ptx " " \
        WGMMA_D_128 ", " \
        "%128, %129, p, 1, 1, 0, %130;\n" \
        "}\n" \
        : WGMMA_ACCUMULATORS_128 \
        : "l"(a), "l"(b), "n"((int) B_N_MAJOR)); \
}

WGMMA_64x256x16(__nv_bfloat16, false, "bf16")
WGMMA_64x256x16(__half, false, "f16")
WGMMA_64x256x16(__nv_bfloat16, true, "bf16")
WGMMA_64x256x16(__half, true, "f16")

// The producer: one thread streams the block's K steps into the ring. A K-major b arrives as one
// 256 x 64 box; an N-major b as four 64 (K) x 64 (N) boxes, 64 columns each, 8 KB apart.
template <bool B_N_MAJOR>
__device__ __forceinline__ void produce(const TensorMap& a_map, const TensorMap& b_map, int a_batch, int b_batch, int m0,
                                        int n0, int k_tiles, unsigned char* a_tiles, unsigned char* b_tiles,
                                        uint64_t* full, uint64_t* empty) {
    for (int kt = 0; kt < k_tiles; ++kt) {
        const int s = kt % STAGES, round = kt / STAGES;
        barrier_wait(&empty[s], (round & 1) ^ 1);
        barrier_arrive_expecting(&full[s], STAGE_BYTES);
        copy_tile(a_tiles + s * A_STAGE * 2, a_map, kt * BK, m0, a_batch, &full[s]);
        if (B_N_MAJOR) {
#pragma unroll
            for (int chunk = 0; chunk < BN / 64; ++chunk) {
                copy_tile(b_tiles + s * B_STAGE * 2 + chunk * N_CHUNK_BYTES, b_map, n0 + 64 * chunk, kt * BK, b_batch, &full[s]);
            }
        } else {
            copy_tile(b_tiles + s * B_STAGE * 2, b_map, kt * BK, n0, b_batch, &full[s]);
        }
    }
}

// out_row[n + e] = act(alpha v[e] + beta c_row[(n + e) c_col]) for e < 8 and n + e < N; c_row null for
// no addend. Eight outputs are one 16-byte store where they lie whole and aligned.
template <typename T>
__device__ __forceinline__ void store_eight(T* out_row, const T* c_row, long long c_col, int n, int N, float (&v)[8],
                                            float alpha, float beta, int activation) {
#pragma unroll
    for (int e = 0; e < 8; ++e) {
        v[e] *= alpha;
        if (c_row != nullptr && n + e < N) {
            v[e] += beta * to_float(c_row[(n + e) * c_col]);
        }
    }
    if (activation >= 0) {
#pragma unroll
        for (int e = 0; e < 8; ++e) {
            v[e] = activate(activation, v[e]);
        }
    }
    if (n + 8 <= N && (reinterpret_cast<uintptr_t>(out_row + n) & 15) == 0) {
        *reinterpret_cast<uint4*>(out_row + n) =
            make_uint4(pack2<T>(v[0], v[1]), pack2<T>(v[2], v[3]), pack2<T>(v[4], v[5]), pack2<T>(v[6], v[7]));
    } else {
#pragma unroll
        for (int e = 0; e < 8; ++e) {
            if (n + e < N) out_row[n + e] = from_float<T>(v[e]);
        }
    }
}

// A consumer: rows 64 group .. 64 group + 63 of the block's tile, through every K step, then the epilogue.
template <typename T, bool B_N_MAJOR>
__device__ __forceinline__ void consume(int group, int M, int N, int k_tiles, unsigned char* a_tiles,
                                        const unsigned char* b_tiles, uint64_t* full, uint64_t* empty, int m0, int n0,
                                        const T* c, long long c_row, long long c_col, float beta, T* out, long long ldo,
                                        float alpha, int activation) {
    const int thread = threadIdx.x % 128, warp = thread / 32, lane = thread % 32;
    float acc[128];
#pragma unroll
    for (int i = 0; i < 128; ++i) {
        acc[i] = 0.0f;
    }
    for (int kt = 0; kt < k_tiles; ++kt) {
        const int s = kt % STAGES;
        barrier_wait(&full[s], (kt / STAGES) & 1);
        uint64_t a_descriptor = descriptor(a_tiles + (s * A_STAGE + group * 64 * BK) * 2);
        uint64_t b_descriptor = B_N_MAJOR ? transposed_descriptor(b_tiles + s * B_STAGE * 2, N_CHUNK_BYTES)
                                          : descriptor(b_tiles + s * B_STAGE * 2);
        wgmma_fence();
#pragma unroll
        for (int k = 0; k < BK / 16; ++k) {
            // 16 elements further along K: 32 bytes further into each swizzled row of a (and of a K-major
            // b), 2 in descriptor units; 16 rows of 128 bytes further into an N-major b, 128 units.
            wgmma_64x256x16<T, B_N_MAJOR>(acc, a_descriptor + 2 * k, b_descriptor + (B_N_MAJOR ? 128 : 2) * k);
        }
        wgmma_commit();
        wgmma_wait<1>();  // the previous step's wgmma are done: free its stage
        if (kt > 0 && thread == 0) {
            barrier_arrive(&empty[(kt - 1) % STAGES]);
        }
    }
    wgmma_wait<0>();

    // The epilogue through shared memory: every copy has landed and no wgmma reads the ring once both
    // consumers are here, so the ring holds this consumer's 64 x 256 F32 accumulators (rows padded by
    // 8 floats: the 8 rows a warp writes at once start 8 banks apart). Then each thread takes runs of 8
    // along a row: one 16-byte store of T, a warp writing 512 contiguous bytes.
    named_barrier(1, 256);
    float* staging = reinterpret_cast<float*>(a_tiles) + group * 64 * STAGING_ROW;
#pragma unroll
    for (int h = 0; h < 2; ++h) {
        float* row = staging + (warp * 16 + lane / 4 + 8 * h) * STAGING_ROW + 2 * (lane % 4);
#pragma unroll
        for (int j = 0; j < BN / 8; ++j) {
            *reinterpret_cast<float2*>(row + 8 * j) = make_float2(acc[4 * j + 2 * h], acc[4 * j + 2 * h + 1]);
        }
    }
    named_barrier(2 + group, 128);
    for (int run = thread; run < 64 * BN / 8; run += 128) {
        const int r = run / (BN / 8), col = run % (BN / 8) * 8;
        const int m = m0 + group * 64 + r, n = n0 + col;
        if (m < M && n < N) {
            const float4* staged = reinterpret_cast<const float4*>(staging + r * STAGING_ROW + col);
            float4 lo = staged[0], hi = staged[1];
            float v[8] = {lo.x, lo.y, lo.z, lo.w, hi.x, hi.y, hi.z, hi.w};
            store_eight<T>(out + m * ldo, c == nullptr ? nullptr : c + m * c_row, c_col, n, N, v, alpha, beta, activation);
        }
    }
}

template <typename T, bool B_N_MAJOR>
__device__ void gemm(const TensorMap& a_map, const TensorMap& b_map, int a_batched, int b_batched, int M, int N, int K,
                     int p0, const T* c, long long c_row, long long c_col, long long c_batch, float beta, T* out,
                     long long ldo, long long out_batch, float alpha, int activation) {
    const StageRing r = stage_ring<STAGES, A_STAGE * 2, B_STAGE * 2>(2);

    int m0, n0;
    block_origin<BM, BN>(M, N, m0, n0);
    const int k_tiles = (K + BK - 1) / BK;
    const int p = p0 + blockIdx.y;
    const int warpgroup = threadIdx.x / 128;
    if (warpgroup == 0) {
        release_registers<PRODUCER_REGISTERS>();
        if (threadIdx.x == 0) {
            produce<B_N_MAJOR>(a_map, b_map, a_batched * p, b_batched * p, m0, n0, k_tiles, r.a_tiles, r.b_tiles, r.full, r.empty);
        }
    } else {
        claim_registers<CONSUMER_REGISTERS>();
        consume<T, B_N_MAJOR>(warpgroup - 1, M, N, k_tiles, r.a_tiles, r.b_tiles, r.full, r.empty, m0, n0,
                   c == nullptr ? nullptr : c + p * c_batch, c_row, c_col, beta, out + p * out_batch, ldo, alpha, activation);
    }
}
}  // namespace

// Batch p0 + blockIdx.y. a_batched, b_batched: 1 where the operand's tensor map has a batch dimension,
// 0 where one matrix serves every batch.
#define GEMM_KERNEL(name, T, B_N_MAJOR)                                                                                      \
    extern "C" __global__ void __launch_bounds__(THREADS, 1) name(                                                         \
        const __grid_constant__ TensorMap a_map, const __grid_constant__ TensorMap b_map, int a_batched, int b_batched,     \
        int M, int N, int K, int p0, const T* c, long long c_row, long long c_col, long long c_batch, float beta, T* out,   \
        long long ldo, long long out_batch, float alpha, int activation) {                                                  \
        gemm<T, B_N_MAJOR>(a_map, b_map, a_batched, b_batched, M, N, K, p0, c, c_row, c_col, c_batch, beta, out, ldo, out_batch,      \
                alpha, activation);                                                                                         \
    }

GEMM_KERNEL(gemm_bf16_nt_sm90a, __nv_bfloat16, false)
GEMM_KERNEL(gemm_f16_nt_sm90a, __half, false)
GEMM_KERNEL(gemm_bf16_nn_sm90a, __nv_bfloat16, true)
GEMM_KERNEL(gemm_f16_nn_sm90a, __half, true)
