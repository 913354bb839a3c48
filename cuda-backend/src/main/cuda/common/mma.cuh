// The sm_80 Tensor Core path as the GEMM and attention kernels use it: asynchronous 16-byte copies
// into shared memory (cp.async), fragment loads (ldmatrix), and the m16n8k16 matrix multiply-add with
// 16-bit inputs and F32 accumulators (mma.sync). Every later GPU runs these too.
//
// Fragments of mma.m16n8k16 for lane l (g = l / 4, q = l % 4), as PTX defines them:
//   A (16x16, row-major): a0 = A[g][2q..2q+1], a1 = A[g+8][2q..], a2 = A[g][2q+8..], a3 = A[g+8][2q+8..]
//   B (16x8, k by n):     b0 = B[2q..2q+1][g],  b1 = B[2q+8..2q+9][g]
//   C (16x8, F32):        c0, c1 = C[g][2q], C[g][2q+1];  c2, c3 = C[g+8][2q], C[g+8][2q+1]
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <stdint.h>

// The block's dynamic shared memory. Declared here, at global scope: inside a file's anonymous
// namespace its PTX name would carry a hash of the file's path, and the committed PTX would depend on
// where it was built.
extern __shared__ __align__(128) unsigned char dynamic_shared[];

__device__ __forceinline__ uint32_t shared_address(const void* p) {
    return (uint32_t) __cvta_generic_to_shared(p);
}

// Copies `bytes` (0..16) from global `src` to shared `dst` and zero-fills the rest of the 16; both
// addresses 16-byte aligned. With 0 bytes nothing is read.
__device__ __forceinline__ void copy_async_16(void* dst, const void* src, int bytes) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(shared_address(dst)), "l"(src), "r"(bytes));
}

__device__ __forceinline__ void copy_async_commit() {
    asm volatile("cp.async.commit_group;\n" ::);
}

// Waits until at most `pending` committed groups are still in flight.
template <int pending> __device__ __forceinline__ void copy_async_wait() {
    asm volatile("cp.async.wait_group %0;\n" ::"n"(pending));
}

// Four 8x8 matrices of 16-bit elements: lanes 8i..8i+7 give the row addresses of matrix i.
__device__ __forceinline__ void load_matrix_x4(uint32_t (&r)[4], const void* row) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(shared_address(row)));
}

// The same, each matrix transposed on the way.
__device__ __forceinline__ void load_matrix_x4_transposed(uint32_t (&r)[4], const void* row) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(shared_address(row)));
}

// c += a b for one m16n8k16 tile; T is __nv_bfloat16 or __half.
template <typename T> __device__ __forceinline__ void mma_16816(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1);

template <> __device__ __forceinline__ void mma_16816<__nv_bfloat16>(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

template <> __device__ __forceinline__ void mma_16816<__half>(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Two floats rounded to T, packed as one 32-bit register (x in the low half).
template <typename T> __device__ __forceinline__ uint32_t pack2(float x, float y);

template <> __device__ __forceinline__ uint32_t pack2<__nv_bfloat16>(float x, float y) {
    __nv_bfloat162 v = __floats2bfloat162_rn(x, y);
    return *reinterpret_cast<uint32_t*>(&v);
}

template <> __device__ __forceinline__ uint32_t pack2<__half>(float x, float y) {
    __half2 v = __floats2half2_rn(x, y);
    return *reinterpret_cast<uint32_t*>(&v);
}

template <typename T> __device__ __forceinline__ float to_float(T x);
template <> __device__ __forceinline__ float to_float<__nv_bfloat16>(__nv_bfloat16 x) { return __bfloat162float(x); }
template <> __device__ __forceinline__ float to_float<__half>(__half x) { return __half2float(x); }

template <typename T> __device__ __forceinline__ T from_float(float x);
template <> __device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float x) { return __float2bfloat16_rn(x); }
template <> __device__ __forceinline__ __half from_float<__half>(float x) { return __float2half_rn(x); }

// 8 consecutive 16-bit elements of a row into 16 bytes of shared memory, reading only the first
// `count` (the rest are zero): the path for operands not aligned for copy_async_16.
template <typename T> __device__ __forceinline__ void copy_8_checked(T* dst, const T* src, int count) {
    const unsigned short* bits = reinterpret_cast<const unsigned short*>(src);
    uint32_t word[4];
#pragma unroll
    for (int w = 0; w < 4; ++w) {
        uint32_t lo = 2 * w < count ? bits[2 * w] : 0, hi = 2 * w + 1 < count ? bits[2 * w + 1] : 0;
        word[w] = lo | hi << 16;
    }
    *reinterpret_cast<uint4*>(dst) = make_uint4(word[0], word[1], word[2], word[3]);
}
