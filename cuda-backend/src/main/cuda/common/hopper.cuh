// Hopper's (sm_90) asynchronous machinery as the sm_90a kernels use it: tensor maps and the Tensor
// Memory Accelerator's copies (cp.async.bulk.tensor), mbarriers that count arrivals and copied bytes,
// warpgroup MMA (wgmma) descriptors, fences and waits, register reallocation between warpgroups.
#pragma once
#include "mma.cuh"

// A CUtensorMap (cuda.h): 128 opaque bytes the driver encodes, passed by value as a kernel parameter.
struct alignas(64) TensorMap {
    unsigned long long opaque[16];
};

__device__ __forceinline__ void barrier_init(uint64_t* barrier, int arrivals) {
    asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(shared_address(barrier)), "r"(arrivals));
}

// One arrival that also announces `bytes` more to come from the copy engine before the phase completes.
__device__ __forceinline__ void barrier_arrive_expecting(uint64_t* barrier, int bytes) {
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(shared_address(barrier)), "r"(bytes) : "memory");
}

__device__ __forceinline__ void barrier_arrive(uint64_t* barrier) {
    asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];\n" ::"r"(shared_address(barrier)) : "memory");
}

// Waits until the barrier's phase of the given parity has completed. A fresh barrier is in phase 0,
// and the phase before it (parity 1) counts as completed.
__device__ __forceinline__ void barrier_wait(uint64_t* barrier, int parity) {
    uint32_t done;
    do {
        asm volatile("{\n.reg .pred p;\nmbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\nselp.u32 %0, 1, 0, p;\n}\n"
                     : "=r"(done)
                     : "r"(shared_address(barrier)), "r"(parity)
                     : "memory");
    } while (!done);
}

// Makes barrier_init's barriers visible to the copy engine (the async proxy) before any copy names them.
__device__ __forceinline__ void barrier_init_visible() {
    asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
}

// Copies the box of a 3-d `map` at (k, row, batch) into shared memory at `tile`; completes on `barrier`.
__device__ __forceinline__ void copy_tile(void* tile, const TensorMap& map, int k, int row, int batch, uint64_t* barrier) {
    asm volatile("cp.async.bulk.tensor.3d.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3, %4}], [%5];\n"
                 ::"r"(shared_address(tile)), "l"(reinterpret_cast<uint64_t>(&map)), "r"(k), "r"(row), "r"(batch),
                 "r"(shared_address(barrier))
                 : "memory");
}

// The box of a 4-d `map` at (x0, x1, x2, x3), x0 innermost, into shared memory at `tile`; completes on `barrier`.
__device__ __forceinline__ void copy_tile(void* tile, const TensorMap& map, int x0, int x1, int x2, int x3, uint64_t* barrier) {
    asm volatile("cp.async.bulk.tensor.4d.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3, %4, %5}], [%6];\n"
                 ::"r"(shared_address(tile)), "l"(reinterpret_cast<uint64_t>(&map)), "r"(x0), "r"(x1), "r"(x2), "r"(x3),
                 "r"(shared_address(barrier))
                 : "memory");
}

// wgmma's shared-memory matrix descriptor for a K-major tile in the 128-byte swizzle: start address
// / 16, leading byte offset 16 (unused by this layout), stride byte offset 1024 (one 8-row atom).
__device__ __forceinline__ uint64_t descriptor(const void* tile) {
    uint64_t address = shared_address(tile);
    return ((address & 0x3FFFF) >> 4) | (1ull << 16) | (64ull << 32) | (1ull << 62);
}

// wgmma's descriptor for an MN-major tile in the 128-byte swizzle (read with imm-trans-b = 1): rows of
// 64 MN elements (128 bytes), 8-row atoms along K 1024 bytes apart (stride byte offset), and the next
// 64 MN elements `mn_block_bytes` further (leading byte offset).
__device__ __forceinline__ uint64_t transposed_descriptor(const void* tile, int mn_block_bytes) {
    uint64_t address = shared_address(tile);
    return ((address & 0x3FFFF) >> 4) | ((uint64_t) (mn_block_bytes >> 4) << 16) | (64ull << 32) | (1ull << 62);
}

// A GEMM's ring in dynamic shared memory: STAGES tiles of a (A_BYTES each), then STAGES of b, then a
// `full` and an `empty` mbarrier a stage. The swizzle atoms must start at 1024-byte boundaries: the
// host asks for 1 KB more than the stages and their barriers. Thread 0 initialises the barriers
// (full: one arrival, the producer's; empty: `consumers` arrivals) before the block goes on.
struct StageRing {
    unsigned char* a_tiles;
    unsigned char* b_tiles;
    uint64_t* full;
    uint64_t* empty;
};

template <int STAGES, int A_BYTES, int B_BYTES> __device__ __forceinline__ StageRing stage_ring(int consumers) {
    StageRing r;
    r.a_tiles = dynamic_shared + ((1024 - (shared_address(dynamic_shared) & 1023)) & 1023);
    r.b_tiles = r.a_tiles + STAGES * A_BYTES;
    r.full = reinterpret_cast<uint64_t*>(r.b_tiles + STAGES * B_BYTES);
    r.empty = r.full + STAGES;
    if (threadIdx.x == 0) {
#pragma unroll
        for (int s = 0; s < STAGES; ++s) {
            barrier_init(&r.full[s], 1);
            barrier_init(&r.empty[s], consumers);
        }
        barrier_init_visible();
    }
    __syncthreads();
    return r;
}

__device__ __forceinline__ void wgmma_fence() {
    asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory");
}

__device__ __forceinline__ void wgmma_commit() {
    asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory");
}

// Pins a wgmma's accumulators at this point of the program: the compiler may move no read or write of
// them across it, so none lands between the wgmma's issue and the wait for it (which would make ptxas
// serialize every wgmma of the kernel).
template <int N> __device__ __forceinline__ void fence_accumulators(float (&d)[N]) {
#pragma unroll
    for (int i = 0; i < N; ++i) {
        asm volatile("" : "+f"(d[i])::"memory");
    }
}

// WGMMA_D_64 and WGMMA_ACCUMULATORS_64: the 64 accumulators of a wgmma with N = 128.
#include "wgmma_operands.cuh"

// d = A B + (accumulate ? d : 0) for A 64x16 (descriptor a, K-major) and B 16x128 (descriptor b:
// K-major, or with B_N_MAJOR N-major, read transposed); d in the accumulator layout: thread t of the
// warpgroup holds d[4j + 2h + e] = D[16 (t / 32) + (t % 32) / 4 + 8h][8j + 2 (t % 4) + e].
template <typename T, bool B_N_MAJOR>
__device__ __forceinline__ void wgmma_64x128x16(float (&d)[64], uint64_t a, uint64_t b, int accumulate);

#define WGMMA_64x128x16(T, B_N_MAJOR, ptx) \
template <> __device__ __forceinline__ void wgmma_64x128x16<T, B_N_MAJOR>(float (&d)[64], uint64_t a, uint64_t b, int accumulate) { \
    asm volatile( \
        "{\n.reg .pred p;\nsetp.ne.b32 p, %66, 0;\n" \
        "wgmma.mma_async.sync.aligned.m64n128k16.f32." ptx "." ptx " " \
        WGMMA_D_64 ", %64, %65, p, 1, 1, 0, %67;\n}\n" \
        : WGMMA_ACCUMULATORS_64 \
        : "l"(a), "l"(b), "r"(accumulate), "n"((int) B_N_MAJOR)); \
}

WGMMA_64x128x16(__nv_bfloat16, false, "bf16")
WGMMA_64x128x16(__nv_bfloat16, true, "bf16")
WGMMA_64x128x16(__half, false, "f16")
WGMMA_64x128x16(__half, true, "f16")
#undef WGMMA_64x128x16

// Waits until at most `pending` committed wgmma groups of this warpgroup are in flight.
template <int pending> __device__ __forceinline__ void wgmma_wait() {
    asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(pending) : "memory");
}

// Waits until `threads` threads (whole warps) have arrived at named barrier `id` (0 is __syncthreads').
__device__ __forceinline__ void named_barrier(int id, int threads) {
    asm volatile("bar.sync %0, %1;\n" ::"r"(id), "r"(threads) : "memory");
}

// Arrives at named barrier `id` without waiting: `threads` counts those that sync and those that arrive.
__device__ __forceinline__ void named_barrier_arrive(int id, int threads) {
    asm volatile("bar.arrive %0, %1;\n" ::"r"(id), "r"(threads) : "memory");
}

// Lowers (release) or raises (claim) this warpgroup's registers a thread to REGISTERS, every warp of
// the warpgroup executing it: a producer gives up what consumers take (setmaxnreg).
template <int REGISTERS> __device__ __forceinline__ void release_registers() {
    asm volatile("setmaxnreg.dec.sync.aligned.u32 %0;\n" ::"n"(REGISTERS));
}

template <int REGISTERS> __device__ __forceinline__ void claim_registers() {
    asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;\n" ::"n"(REGISTERS));
}
