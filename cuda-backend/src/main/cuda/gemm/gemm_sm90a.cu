// ptx-target: compute_90a
// GEMM on Hopper's warpgroup matrix multiply (wgmma, sm_90a: the H100 and H200 only), 16-bit inputs,
// F32 accumulation, the same fused epilogue as gemm.cu:
//   out[p][m][n] = act(alpha * sum_k a[p][m][k] * b[p][n][k] + beta * c[p][m][n])
//   a (M,K) and b (N,K) both K-major (b is the transposed view of a (K,N) operand, as linear's weight
//   is), c any strides, out (M,N) row-major; p < batch with per-operand batch strides.
//
// A block of two warpgroups (256 threads) computes a 128x256 tile: warpgroup g owns rows 64g..64g+63
// and issues wgmma.m64n256k16 on descriptors of shared memory, 128 F32 accumulators per thread. K
// advances 64 at a time through a 4-stage cp.async ring (192 KB); the tiles are stored in the
// 128-byte swizzle the descriptors name (gemm_tiles.cuh's k_major<64>: 8-row atoms of 1024 bytes).
// The wgmma of one K tile stay in flight while the next tile's barrier and copies are issued, so a
// stage is refilled two tiles after it was read and tiles land two iterations ahead (measured on an
// H100 against waiting for each tile's wgmma, three tiles ahead: 388 against 352 TFLOP/s at 8192^3).
// This is the first rung of the Hopper ladder: no TMA, no warp specialisation, no persistent grid.
#include "../common/gemm_tiles.cuh"

namespace {
constexpr int BM = 128, BN = 256, BK = 64, STAGES = 4, THREADS = 256;
constexpr int A_STAGE = BM * BK, B_STAGE = BN * BK;  // elements

// wgmma's shared-memory matrix descriptor for a K-major tile in the 128-byte swizzle: start address
// / 16, leading byte offset 16 (unused by this layout), stride byte offset 1024 (one 8-row atom).
__device__ __forceinline__ uint64_t descriptor(const void* tile) {
    uint64_t address = shared_address(tile);
    return ((address & 0x3FFFF) >> 4) | (1ull << 16) | (64ull << 32) | (1ull << 62);
}

__device__ __forceinline__ void wgmma_fence() {
    asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory");
}

__device__ __forceinline__ void wgmma_commit() {
    asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory");
}

// Waits until at most `pending` committed wgmma groups of this warpgroup are in flight.
template <int pending> __device__ __forceinline__ void wgmma_wait() {
    asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(pending) : "memory");
}

// Orders this thread's generic-proxy writes to shared memory (cp.async, plain stores) before the
// async proxy's reads (wgmma).
__device__ __forceinline__ void fence_proxy_async() {
    asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
}

// d += A B for A 64x16 (descriptor a, K-major) and B 16x256 (descriptor b, K-major), d in the
// accumulator layout: thread t of the warpgroup holds d[4j + 2h + e] = D[16 (t / 32) + (t % 32) / 4 + 8h][8j + 2 (t % 4) + e].
template <typename T> __device__ __forceinline__ void wgmma_64x256x16(float (&d)[128], uint64_t a, uint64_t b);

#define WGMMA_64x256x16(T, ptx)                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                 \
template <> __device__ __forceinline__ void wgmma_64x256x16<T>(float (&d)[128], uint64_t a, uint64_t b) {                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                       \
    asm volatile(                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                               \
        "{\n"                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                   \
        ".reg .pred p;\n"                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                       \
        "setp.ne.b32 p, 1, 0;\n"                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                \
        "wgmma.mma_async.sync.aligned.m64n256k16.f32." ptx "." ptx " "                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                          \
        "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63, %64, %65, %66, %67, %68, %69, %70, %71, %72, %73, %74, %75, %76, %77, %78, %79, %80, %81, %82, %83, %84, %85, %86, %87, %88, %89, %90, %91, %92, %93, %94, %95, %96, %97, %98, %99, %100, %101, %102, %103, %104, %105, %106, %107, %108, %109, %110, %111, %112, %113, %114, %115, %116, %117, %118, %119, %120, %121, %122, %123, %124, %125, %126, %127}, "  \
        "%128, %129, p, 1, 1, 0, 0;\n"                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                          \
        "}\n"                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                   \
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                       \
                 "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]),                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                          \
                 "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]),                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                        \
                 "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]),                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                        \
                 "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]),                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                        \
                 "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]),                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                        \
                 "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]),                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                        \
                 "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63]),                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                        \
                 "+f"(d[64]), "+f"(d[65]), "+f"(d[66]), "+f"(d[67]), "+f"(d[68]), "+f"(d[69]), "+f"(d[70]), "+f"(d[71]),                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                        \
                 "+f"(d[72]), "+f"(d[73]), "+f"(d[74]), "+f"(d[75]), "+f"(d[76]), "+f"(d[77]), "+f"(d[78]), "+f"(d[79]),                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                        \
                 "+f"(d[80]), "+f"(d[81]), "+f"(d[82]), "+f"(d[83]), "+f"(d[84]), "+f"(d[85]), "+f"(d[86]), "+f"(d[87]),                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                        \
                 "+f"(d[88]), "+f"(d[89]), "+f"(d[90]), "+f"(d[91]), "+f"(d[92]), "+f"(d[93]), "+f"(d[94]), "+f"(d[95]),                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                        \
                 "+f"(d[96]), "+f"(d[97]), "+f"(d[98]), "+f"(d[99]), "+f"(d[100]), "+f"(d[101]), "+f"(d[102]), "+f"(d[103]),                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                    \
                 "+f"(d[104]), "+f"(d[105]), "+f"(d[106]), "+f"(d[107]), "+f"(d[108]), "+f"(d[109]), "+f"(d[110]), "+f"(d[111]),                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                \
                 "+f"(d[112]), "+f"(d[113]), "+f"(d[114]), "+f"(d[115]), "+f"(d[116]), "+f"(d[117]), "+f"(d[118]), "+f"(d[119]),                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                \
                 "+f"(d[120]), "+f"(d[121]), "+f"(d[122]), "+f"(d[123]), "+f"(d[124]), "+f"(d[125]), "+f"(d[126]), "+f"(d[127])                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                 \
        : "l"(a), "l"(b));                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                      \
}

WGMMA_64x256x16(__nv_bfloat16, "bf16")
WGMMA_64x256x16(__half, "f16")

template <typename T, bool ALIGNED>
__device__ void gemm(int M, int N, int K, int batch, const T* a, long long lda, long long a_batch, const T* b,
                     long long ldb, long long b_batch, const T* c, long long c_row, long long c_col, long long c_batch,
                     float beta, T* out, long long ldo, long long out_batch, float alpha, int activation) {
    // The swizzle atoms must start at 1024-byte boundaries: the host asks for 1 KB more than the stages.
    T* a_tiles = reinterpret_cast<T*>(dynamic_shared + ((1024 - (shared_address(dynamic_shared) & 1023)) & 1023));
    T* b_tiles = a_tiles + STAGES * A_STAGE;
    const int group = threadIdx.x / 128, thread = threadIdx.x % 128;

    int m0, n0;
    block_origin<BM, BN>(M, N, m0, n0);
    const int k_tiles = (K + BK - 1) / BK;

    for (int p = blockIdx.y; p < batch; p += gridDim.y) {
        const T* ap = a + p * a_batch;
        const T* bp = b + p * b_batch;
        float acc[128];
#pragma unroll
        for (int i = 0; i < 128; ++i) {
            acc[i] = 0.0f;
        }
        // Tiles issued ahead of the one in use: a stage is refilled only once no wgmma can still read it.
        constexpr int AHEAD = STAGES - 2;
#pragma unroll
        for (int s = 0; s < AHEAD; ++s) {
            if (s < k_tiles) {
                load_k_major<T, BM, BK, THREADS, ALIGNED>(a_tiles + s * A_STAGE, ap, lda, m0, M, s * BK, K);
                load_k_major<T, BN, BK, THREADS, ALIGNED>(b_tiles + s * B_STAGE, bp, ldb, n0, N, s * BK, K);
            }
            copy_async_commit();
        }
        for (int kt = 0; kt < k_tiles; ++kt) {
            copy_async_wait<AHEAD - 1>();
            fence_proxy_async();
            // Tile kt is in shared memory for the async proxy, and every wgmma on the stage refilled
            // next (tile kt - 2's) has completed in both warpgroups.
            __syncthreads();
            int next = kt + AHEAD;
            if (next < k_tiles) {
                int s = next % STAGES;
                load_k_major<T, BM, BK, THREADS, ALIGNED>(a_tiles + s * A_STAGE, ap, lda, m0, M, next * BK, K);
                load_k_major<T, BN, BK, THREADS, ALIGNED>(b_tiles + s * B_STAGE, bp, ldb, n0, N, next * BK, K);
            }
            copy_async_commit();
            int s = kt % STAGES;
            uint64_t a_descriptor = descriptor(a_tiles + s * A_STAGE + group * 64 * BK);
            uint64_t b_descriptor = descriptor(b_tiles + s * B_STAGE);
            wgmma_fence();
#pragma unroll
            for (int step = 0; step < BK / 16; ++step) {
                // 16 elements further along K are 32 bytes further into each swizzled row: 2 in descriptor units.
                wgmma_64x256x16<T>(acc, a_descriptor + 2 * step, b_descriptor + 2 * step);
            }
            wgmma_commit();
            wgmma_wait<1>();  // tile kt - 1's are done; tile kt's run on into the next barrier
        }
        wgmma_wait<0>();
        copy_async_wait<0>();
        __syncthreads();  // the next batch's first loads overwrite stages still being read

        const T* cp = c == nullptr ? nullptr : c + p * c_batch;
        T* op = out + p * out_batch;
        const int warp = thread / 32, lane = thread % 32;
#pragma unroll
        for (int h = 0; h < 2; ++h) {
            const int m = m0 + group * 64 + warp * 16 + lane / 4 + 8 * h;
            if (m < M) {
                T* out_row = op + m * ldo;
                const T* c_row_at = cp == nullptr ? nullptr : cp + m * c_row;
#pragma unroll
                for (int j = 0; j < BN / 8; ++j) {
                    store_pair<T, ALIGNED>(out_row, c_row_at, c_col, n0 + 8 * j + 2 * (lane % 4), N, acc[4 * j + 2 * h],
                                           acc[4 * j + 2 * h + 1], alpha, beta, activation);
                }
            }
        }
    }
}
}  // namespace

#define GEMM_KERNEL(name, T, ALIGNED)                                                                                        \
    extern "C" __global__ void __launch_bounds__(THREADS, 1) name(                                                         \
        int M, int N, int K, int batch, const T* a, long long lda, long long a_batch, const T* b, long long ldb,            \
        long long b_batch, const T* c, long long c_row, long long c_col, long long c_batch, float beta, T* out,             \
        long long ldo, long long out_batch, float alpha, int activation) {                                                  \
        gemm<T, ALIGNED>(M, N, K, batch, a, lda, a_batch, b, ldb, b_batch, c, c_row, c_col, c_batch, beta, out, ldo,       \
                         out_batch, alpha, activation);                                                                     \
    }

GEMM_KERNEL(gemm_bf16_nt_sm90a, __nv_bfloat16, true)
GEMM_KERNEL(gemm_bf16_nt_sm90a_any, __nv_bfloat16, false)
GEMM_KERNEL(gemm_f16_nt_sm90a, __half, true)
GEMM_KERNEL(gemm_f16_nt_sm90a_any, __half, false)
