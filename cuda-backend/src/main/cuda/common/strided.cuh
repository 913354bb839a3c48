// Strided operands as every Colossus kernel sees them, and loads and stores of each dtype.
//
// Element i (row-major over `shape`) of an operand lives at element offset
//   offset + sum_d digit_d(i) * strides[d]
// of its buffer. Dtype codes are dev.colossus.DType ordinals.
#pragma once
#include <cuda_fp16.h>
#include <cuda_bf16.h>

#define COLOSSUS_MAX_RANK 8

enum DTypeCode { F32 = 0, F64 = 1, F16 = 2, BF16 = 3, I32 = 4, I64 = 5, BOOL = 6 };

// Must match dev.colossus.cuda.KernelLayout: 8 + 8*8 + 8*8 + 4 + 4 bytes.
struct Layout {
    long long offset;
    long long shape[COLOSSUS_MAX_RANK];
    long long strides[COLOSSUS_MAX_RANK];
    int rank;
    int dtype;
};

// The storage element offset of row-major index i.
__device__ __forceinline__ long long element_offset(const Layout& l, long long i) {
    if (l.rank == 1) {
        return l.offset + i * l.strides[0];
    }
    long long at = l.offset;
    for (int d = l.rank - 1; d > 0; --d) {
        long long size = l.shape[d];
        long long q = i / size;
        at += (i - q * size) * l.strides[d];
        i = q;
    }
    return at + i * l.strides[0];
}

// Reads element e (a storage offset) as double: exact for every dtype but I64 beyond 2^53.
__device__ __forceinline__ double load_double(const void* base, int dtype, long long e) {
    switch (dtype) {
        case F32: return ((const float*) base)[e];
        case F64: return ((const double*) base)[e];
        case F16: return __half2float(((const __half*) base)[e]);
        case BF16: return __bfloat162float(((const __nv_bfloat16*) base)[e]);
        case I32: return ((const int*) base)[e];
        case I64: return (double) ((const long long*) base)[e];
        default: return ((const unsigned char*) base)[e] != 0 ? 1.0 : 0.0;
    }
}

__device__ __forceinline__ float load_float(const void* base, int dtype, long long e) {
    switch (dtype) {
        case F32: return ((const float*) base)[e];
        case F16: return __half2float(((const __half*) base)[e]);
        case BF16: return __bfloat162float(((const __nv_bfloat16*) base)[e]);
        default: return (float) load_double(base, dtype, e);
    }
}

// Java's (long) v: toward zero, saturating, NaN to 0 (the hardware's cvt.rzi gives LLONG_MIN for NaN).
__device__ __forceinline__ long long to_long(double v) {
    return v != v ? 0 : (long long) v;
}

__device__ __forceinline__ long long load_long(const void* base, int dtype, long long e) {
    switch (dtype) {
        case I32: return ((const int*) base)[e];
        case I64: return ((const long long*) base)[e];
        case BOOL: return ((const unsigned char*) base)[e] != 0;
        default: return to_long(load_double(base, dtype, e));
    }
}

// Writes v rounded to nearest even; F16 and BF16 round through F32, as the reference does.
__device__ __forceinline__ void store_double(void* base, int dtype, long long e, double v) {
    switch (dtype) {
        case F32: ((float*) base)[e] = (float) v; break;
        case F64: ((double*) base)[e] = v; break;
        case F16: ((__half*) base)[e] = __float2half_rn((float) v); break;
        case BF16: ((__nv_bfloat16*) base)[e] = __float2bfloat16_rn((float) v); break;
        case I32: ((int*) base)[e] = (int) to_long(v); break;
        case I64: ((long long*) base)[e] = to_long(v); break;
        default: ((unsigned char*) base)[e] = v != 0.0; break;
    }
}

__device__ __forceinline__ void store_float(void* base, int dtype, long long e, float v) {
    switch (dtype) {
        case F32: ((float*) base)[e] = v; break;
        case F16: ((__half*) base)[e] = __float2half_rn(v); break;
        case BF16: ((__nv_bfloat16*) base)[e] = __float2bfloat16_rn(v); break;
        default: store_double(base, dtype, e, v); break;
    }
}

__device__ __forceinline__ void store_long(void* base, int dtype, long long e, long long v) {
    switch (dtype) {
        case I32: ((int*) base)[e] = (int) v; break;
        case I64: ((long long*) base)[e] = v; break;
        case BOOL: ((unsigned char*) base)[e] = v != 0; break;
        default: store_double(base, dtype, e, (double) v); break;
    }
}

// Loads and stores in the arithmetic type T: float for F32/F16/BF16, double for F64, long long for
// the integer types and BOOL.
template <typename T> __device__ T load(const void* base, int dtype, long long e);
template <> __device__ __forceinline__ float load<float>(const void* b, int t, long long e) { return load_float(b, t, e); }
template <> __device__ __forceinline__ double load<double>(const void* b, int t, long long e) { return load_double(b, t, e); }
template <> __device__ __forceinline__ long long load<long long>(const void* b, int t, long long e) { return load_long(b, t, e); }

__device__ __forceinline__ void store(void* b, int t, long long e, float v) { store_float(b, t, e, v); }
__device__ __forceinline__ void store(void* b, int t, long long e, double v) { store_double(b, t, e, v); }
__device__ __forceinline__ void store(void* b, int t, long long e, long long v) { store_long(b, t, e, v); }

// A grid-stride loop over [0, n).
#define FOR_EACH_INDEX(i, n) \
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (long long) gridDim.x * blockDim.x)
