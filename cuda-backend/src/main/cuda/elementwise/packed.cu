// Elementwise kernels over dense runs, eight elements a thread. The output is contiguous; each input
// is periodic over it, element i at i % period of a dense run: period n for an input of the output's
// shape, a row's length for a row broadcast (a linear layer's bias), 1 for a scalar.
//
//   unary_packed:    out[i] = fn(x[i % px])
//   binary_packed:   out[i] = fn(a[i % pa], b[i % pb])
//   epilogue_packed: out[i] = act(alpha * p[i] + beta * c[i % pc])   p: a GEMM's F32 accumulator;
//                                                                     no c when pc = 0, no act when act < 0
//
// One kernel per storage type S of the operands (f32, f16, bf16), arithmetic in float, each result
// rounded once to S. A group of eight moves as 16-byte vectors where it lies whole and aligned in its
// run, else element by element; the strided kernels (elementwise.cu) give the same values.
#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include "../common/unary.cuh"
#include "../common/binary.cuh"

constexpr int GROUP = 8;

__device__ __forceinline__ float to_float(float v) { return v; }
__device__ __forceinline__ float to_float(__half v) { return __half2float(v); }
__device__ __forceinline__ float to_float(__nv_bfloat16 v) { return __bfloat162float(v); }

template <typename S> __device__ __forceinline__ S from_float(float v);
template <> __device__ __forceinline__ float from_float<float>(float v) { return v; }
template <> __device__ __forceinline__ __half from_float<__half>(float v) { return __float2half_rn(v); }
template <> __device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }

// Eight elements from p (16-byte aligned) to v, and back.
__device__ __forceinline__ void load8(const float* p, float v[GROUP]) {
    float4 lo = ((const float4*) p)[0], hi = ((const float4*) p)[1];
    v[0] = lo.x; v[1] = lo.y; v[2] = lo.z; v[3] = lo.w; v[4] = hi.x; v[5] = hi.y; v[6] = hi.z; v[7] = hi.w;
}

__device__ __forceinline__ void store8(float* p, const float v[GROUP]) {
    ((float4*) p)[0] = make_float4(v[0], v[1], v[2], v[3]);
    ((float4*) p)[1] = make_float4(v[4], v[5], v[6], v[7]);
}

// The 16-bit types in pairs: the pair type, and its conversions from and to two floats.
__device__ __forceinline__ float2 to_float2(__half2 pair) { return __half22float2(pair); }
__device__ __forceinline__ float2 to_float2(__nv_bfloat162 pair) { return __bfloat1622float2(pair); }
template <typename S> struct PairOf;
template <> struct PairOf<__half> {
    using type = __half2;
    __device__ static __forceinline__ __half2 of(float a, float b) { return __floats2half2_rn(a, b); }
};
template <> struct PairOf<__nv_bfloat16> {
    using type = __nv_bfloat162;
    __device__ static __forceinline__ __nv_bfloat162 of(float a, float b) { return __floats2bfloat162_rn(a, b); }
};

// Eight 16-bit elements, one 16-byte vector of four pairs.
template <typename S>
__device__ __forceinline__ void load8(const S* p, float v[GROUP]) {
    uint4 raw = *(const uint4*) p;
    const typename PairOf<S>::type* pairs = (const typename PairOf<S>::type*) &raw;
#pragma unroll
    for (int j = 0; j < GROUP / 2; j++) {
        float2 f = to_float2(pairs[j]);
        v[2 * j] = f.x;
        v[2 * j + 1] = f.y;
    }
}

template <typename S>
__device__ __forceinline__ void store8(S* p, const float v[GROUP]) {
    uint4 raw;
    typename PairOf<S>::type* pairs = (typename PairOf<S>::type*) &raw;
#pragma unroll
    for (int j = 0; j < GROUP / 2; j++) {
        pairs[j] = PairOf<S>::of(v[2 * j], v[2 * j + 1]);
    }
    *(uint4*) p = raw;
}

__device__ __forceinline__ bool aligned16(const void* p) {
    return ((unsigned long long) p & 15) == 0;
}

// Elements i .. i + count - 1 (count <= 8) of an operand of the given period, as floats.
template <typename S>
__device__ __forceinline__ void load_group(const S* x, long long period, long long n, long long i, int count, float v[GROUP]) {
    if (period == 1) {
        float value = to_float(x[0]);
#pragma unroll
        for (int j = 0; j < GROUP; j++) {
            v[j] = value;
        }
        return;
    }
    long long at = period == n ? i : i % period;
    if (count == GROUP && at % GROUP == 0 && at + GROUP <= period && aligned16(x + at)) {
        load8(x + at, v);
        return;
    }
#pragma unroll
    for (int j = 0; j < GROUP; j++) {
        if (j < count) {
            v[j] = to_float(x[(at + j) % period]);
        }
    }
}

// Elements i .. i + count - 1 of the output.
template <typename S>
__device__ __forceinline__ void store_group(S* out, long long i, int count, const float v[GROUP]) {
    if (count == GROUP && aligned16(out + i)) {
        store8(out + i, v);
        return;
    }
#pragma unroll
    for (int j = 0; j < GROUP; j++) {
        if (j < count) {
            out[i + j] = from_float<S>(v[j]);
        }
    }
}

// A grid-stride loop over the groups of eight of [0, n), i the first element of each.
#define FOR_EACH_GROUP(i, n) \
    for (long long i = ((long long) blockIdx.x * blockDim.x + threadIdx.x) * GROUP; i < (n); i += (long long) gridDim.x * blockDim.x * GROUP)

// The size of the group at i: eight but in the last group.
__device__ __forceinline__ int group_size(long long n, long long i) {
    return n - i < GROUP ? (int) (n - i) : GROUP;
}

template <typename S>
__device__ void unary_packed(int fn, long long n, const S* x, long long px, S* out) {
    FOR_EACH_GROUP(i, n) {
        int count = group_size(n, i);
        float v[GROUP];
        load_group(x, px, n, i, count, v);
#pragma unroll
        for (int j = 0; j < GROUP; j++) {
            v[j] = apply_unary<float>(fn, v[j]);
        }
        store_group(out, i, count, v);
    }
}

template <typename S>
__device__ void binary_packed(int fn, long long n, const S* a, long long pa, const S* b, long long pb, S* out) {
    FOR_EACH_GROUP(i, n) {
        int count = group_size(n, i);
        float x[GROUP], y[GROUP];
        load_group(a, pa, n, i, count, x);
        load_group(b, pb, n, i, count, y);
#pragma unroll
        for (int j = 0; j < GROUP; j++) {
            x[j] = apply_binary<float>(fn, x[j], y[j]);
        }
        store_group(out, i, count, x);
    }
}

template <typename S>
__device__ void epilogue_packed(int act, long long n, const float* p, float alpha, float beta, const S* c, long long pc,
                                S* out) {
    FOR_EACH_GROUP(i, n) {
        int count = group_size(n, i);
        float v[GROUP], addend[GROUP];
        load_group(p, n, n, i, count, v);
        if (pc > 0) {
            load_group(c, pc, n, i, count, addend);
        }
#pragma unroll
        for (int j = 0; j < GROUP; j++) {
            float affine = pc > 0 ? alpha * v[j] + beta * addend[j] : alpha * v[j];
            v[j] = act < 0 ? affine : apply_unary<float>(act, affine);
        }
        store_group(out, i, count, v);
    }
}

#define PACKED_KERNELS(suffix, S)                                                                                      \
    extern "C" __global__ void unary_packed_##suffix(int fn, long long n, const S* x, long long px, S* out) {        \
        unary_packed<S>(fn, n, x, px, out);                                                                            \
    }                                                                                                                  \
    extern "C" __global__ void binary_packed_##suffix(int fn, long long n, const S* a, long long pa, const S* b,     \
                                                      long long pb, S* out) {                                         \
        binary_packed<S>(fn, n, a, pa, b, pb, out);                                                                    \
    }                                                                                                                  \
    extern "C" __global__ void epilogue_packed_##suffix(int act, long long n, const float* p, float alpha, float beta, \
                                                        const S* c, long long pc, S* out) {                           \
        epilogue_packed<S>(act, n, p, alpha, beta, c, pc, out);                                                        \
    }

PACKED_KERNELS(f32, float)
PACKED_KERNELS(f16, __half)
PACKED_KERNELS(bf16, __nv_bfloat16)
