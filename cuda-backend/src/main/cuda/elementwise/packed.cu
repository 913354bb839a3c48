// Elementwise kernels over dense runs, a group of elements a thread: 8 for the unary and epilogue
// kernels, 32 bytes (8 F32 or 16 F16/BF16 elements) for the binary ones. The output is
// contiguous; each input is periodic over it, element i at i % period of a dense run: period n for an
// input of the output's shape, a row's length for a row broadcast (a linear layer's bias), 1 for a
// scalar.
//
//   unary_packed:    out[i] = fn(x[i % px])
//   binary_packed:   out[i] = fn(a[i % pa], b[i % pb])
//   epilogue_packed: out[i] = act(alpha * p[i] + beta * c[i % pc])   p: a GEMM's F32 accumulator;
//                                                                     no c when pc = 0, no act when act < 0
//
// One kernel per storage type S of the operands (f32, f16, bf16), arithmetic in float, each result
// rounded once to S. A group moves as 16-byte vectors, all of its loads issued before the first is
// used, where it lies whole and aligned in its run; else element by element. The strided kernels
// (elementwise.cu) give the same values. Measured on an H100, BF16 (8192, 16384), GB/s: 8 elements a
// thread everywhere, x + y 2421, x + bias 2158, gelu 1552, relu 2476; 16 everywhere, 2871, 2599, 1261,
// 1797.
// Every unary function; those after SILU first passed on an H200 on 2026-12-04 (gpu-runs.md).
#define COLOSSUS_ALL_UNARY_FUNCTIONS
#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include <stdint.h>
#include "../common/unary.cuh"
#include "../common/binary.cuh"

// Elements a thread: 8 where a function is chosen from the table of cases at run time (more, unrolled,
// made those kernels slower), 32 bytes for the binary functions.
constexpr int SWITCHED_GROUP = 8;
template <typename S> constexpr int BINARY_GROUP = 32 / sizeof(S);

__device__ __forceinline__ float to_float(float v) { return v; }
__device__ __forceinline__ float to_float(__half v) { return __half2float(v); }
__device__ __forceinline__ float to_float(__nv_bfloat16 v) { return __bfloat162float(v); }

template <typename S> __device__ __forceinline__ S from_float(float v);
template <> __device__ __forceinline__ float from_float<float>(float v) { return v; }
template <> __device__ __forceinline__ __half from_float<__half>(float v) { return __float2half_rn(v); }
template <> __device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }

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

// Four floats, or eight 16-bit elements, in one 16-byte vector.
__device__ __forceinline__ void unpack16(uint4 raw, float* v) {
    v[0] = __uint_as_float(raw.x); v[1] = __uint_as_float(raw.y); v[2] = __uint_as_float(raw.z); v[3] = __uint_as_float(raw.w);
}

// The pair of S in one 32-bit word, as two floats (the low half first), and back.
template <typename S> __device__ __forceinline__ float2 unpack_word(uint32_t word) {
    typename PairOf<S>::type pair;
    memcpy(&pair, &word, 4);
    return to_float2(pair);
}

template <typename S> __device__ __forceinline__ uint32_t pack_word(float a, float b) {
    typename PairOf<S>::type pair = PairOf<S>::of(a, b);
    uint32_t word;
    memcpy(&word, &pair, 4);
    return word;
}

template <typename S> __device__ __forceinline__ void unpack16(uint4 raw, float* v) {
    const uint32_t words[4] = {raw.x, raw.y, raw.z, raw.w};
#pragma unroll
    for (int j = 0; j < 4; j++) {
        float2 f = unpack_word<S>(words[j]);
        v[2 * j] = f.x;
        v[2 * j + 1] = f.y;
    }
}

__device__ __forceinline__ uint4 pack16(const float* v) {
    return make_uint4(__float_as_uint(v[0]), __float_as_uint(v[1]), __float_as_uint(v[2]), __float_as_uint(v[3]));
}

template <typename S> __device__ __forceinline__ uint4 pack16(const float* v) {
    return make_uint4(pack_word<S>(v[0], v[1]), pack_word<S>(v[2], v[3]), pack_word<S>(v[4], v[5]), pack_word<S>(v[6], v[7]));
}

// G elements from p (16-byte aligned) to v: every 16-byte load issued, then unpacked.
template <int G, typename S> __device__ __forceinline__ void load_vectors(const S* p, float (&v)[G]) {
    constexpr int PER = 16 / sizeof(S), VECTORS = G / PER;
    uint4 raw[VECTORS];
#pragma unroll
    for (int k = 0; k < VECTORS; k++) {
        raw[k] = ((const uint4*) p)[k];
    }
#pragma unroll
    for (int k = 0; k < VECTORS; k++) {
        if constexpr (sizeof(S) == 4) {
            unpack16(raw[k], v + PER * k);
        } else {
            unpack16<S>(raw[k], v + PER * k);
        }
    }
}

template <int G, typename S> __device__ __forceinline__ void store_vectors(S* p, const float (&v)[G]) {
    constexpr int PER = 16 / sizeof(S);
#pragma unroll
    for (int k = 0; k < G / PER; k++) {
        if constexpr (sizeof(S) == 4) {
            ((uint4*) p)[k] = pack16(v + PER * k);
        } else {
            ((uint4*) p)[k] = pack16<S>(v + PER * k);
        }
    }
}

__device__ __forceinline__ bool aligned16(const void* p) {
    return ((unsigned long long) p & 15) == 0;
}

// Elements i .. i + count - 1 (count <= G) of an operand of the given period, as floats.
template <int G, typename S>
__device__ __forceinline__ void load_group(const S* x, long long period, long long n, long long i, int count, float (&v)[G]) {
    if (period == 1) {
        float value = to_float(x[0]);
#pragma unroll
        for (int j = 0; j < G; j++) {
            v[j] = value;
        }
        return;
    }
    long long at = period == n ? i : i % period;
    if (count == G && at % G == 0 && at + G <= period && aligned16(x + at)) {
        load_vectors<G>(x + at, v);
        return;
    }
#pragma unroll
    for (int j = 0; j < G; j++) {
        if (j < count) {
            v[j] = to_float(x[(at + j) % period]);
        }
    }
}

// Elements i .. i + count - 1 of the output.
template <int G, typename S>
__device__ __forceinline__ void store_group(S* out, long long i, int count, const float (&v)[G]) {
    if (count == G && aligned16(out + i)) {
        store_vectors<G>(out + i, v);
        return;
    }
#pragma unroll
    for (int j = 0; j < G; j++) {
        if (j < count) {
            out[i + j] = from_float<S>(v[j]);
        }
    }
}

// A grid-stride loop over the groups of G elements of [0, n), i the first element of each.
#define FOR_EACH_GROUP(i, n, G) \
    for (long long i = ((long long) blockIdx.x * blockDim.x + threadIdx.x) * (G); i < (n); i += (long long) gridDim.x * blockDim.x * (G))

// The size of the group at i: G but in the last group.
template <int G> __device__ __forceinline__ int group_size(long long n, long long i) {
    return n - i < G ? (int) (n - i) : G;
}

template <typename S>
__device__ void unary_packed(int fn, long long n, const S* x, long long px, S* out) {
    constexpr int G = SWITCHED_GROUP;
    FOR_EACH_GROUP(i, n, G) {
        int count = group_size<G>(n, i);
        float v[G];
        load_group<G>(x, px, n, i, count, v);
#pragma unroll
        for (int j = 0; j < G; j++) {
            v[j] = apply_unary<float>(fn, v[j]);
        }
        store_group<G>(out, i, count, v);
    }
}

template <typename S>
__device__ void binary_packed(int fn, long long n, const S* a, long long pa, const S* b, long long pb, S* out) {
    constexpr int G = BINARY_GROUP<S>;
    FOR_EACH_GROUP(i, n, G) {
        int count = group_size<G>(n, i);
        float x[G], y[G];
        load_group<G>(a, pa, n, i, count, x);
        load_group<G>(b, pb, n, i, count, y);
#pragma unroll
        for (int j = 0; j < G; j++) {
            x[j] = apply_binary<float>(fn, x[j], y[j]);
        }
        store_group<G>(out, i, count, x);
    }
}

template <typename S>
__device__ void epilogue_packed(int act, long long n, const float* p, float alpha, float beta, const S* c, long long pc,
                                S* out) {
    constexpr int G = SWITCHED_GROUP;
    FOR_EACH_GROUP(i, n, G) {
        int count = group_size<G>(n, i);
        float v[G], addend[G];
        load_group<G>(p, n, n, i, count, v);
        if (pc > 0) {
            load_group<G>(c, pc, n, i, count, addend);
        }
#pragma unroll
        for (int j = 0; j < G; j++) {
            float affine = pc > 0 ? alpha * v[j] + beta * addend[j] : alpha * v[j];
            v[j] = act < 0 ? affine : apply_unary<float>(act, affine);
        }
        store_group<G>(out, i, count, v);
    }
}

// Blocks of 256 threads (PackedElementwise.THREADS), at least 4 resident on a multiprocessor: 64
// registers a thread at most, so that a binary op has 4 x 256 x 64 bytes of loads in flight.
#define PACKED_KERNEL(name) extern "C" __global__ void __launch_bounds__(256, 4) name

#define PACKED_KERNELS(suffix, S)                                                                                        \
    PACKED_KERNEL(unary_packed_##suffix)(int fn, long long n, const S* x, long long px, S* out) {                       \
        unary_packed<S>(fn, n, x, px, out);                                                                              \
    }                                                                                                                    \
    PACKED_KERNEL(binary_packed_##suffix)(int fn, long long n, const S* a, long long pa, const S* b, long long pb,       \
                                          S* out) {                                                                      \
        binary_packed<S>(fn, n, a, pa, b, pb, out);                                                                      \
    }                                                                                                                    \
    PACKED_KERNEL(epilogue_packed_##suffix)(int act, long long n, const float* p, float alpha, float beta, const S* c,   \
                                            long long pc, S* out) {                                                      \
        epilogue_packed<S>(act, n, p, alpha, beta, c, pc, out);                                                          \
    }

PACKED_KERNELS(f32, float)
PACKED_KERNELS(f16, __half)
PACKED_KERNELS(bf16, __nv_bfloat16)
