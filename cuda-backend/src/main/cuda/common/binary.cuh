// The binary functions, by the ordinals of dev.colossus.op.BinaryFn: the elementwise kernels, strided
// and packed, apply them. REMAINDER and FLOOR_DIVIDE exist only where COLOSSUS_INTEGER_DIVISION is
// defined, in the strided kernels (elementwise.cu); not in the packed kernels, where fmod made ptxas
// spill within their 64 registers.
#pragma once

enum BinaryCode { ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM, EQ, NE, LT, LE, GT, GE, REMAINDER, FLOOR_DIVIDE };

// a^b as C99 defines it: 1^b = 1 and (-1)^(+-Inf) = 1, even for NaN b.
template <typename T> __device__ __forceinline__ T c99_pow(T a, T b) {
    if (a == (T) 1 || (a == (T) -1 && isinf(b))) {
        return (T) 1;
    }
    return pow(a, b);
}

template <typename T> __device__ __forceinline__ T nan_max(T a, T b) {
    return a != a || b != b ? a + b : (a > b ? a : (b > a ? b : (a == 0 ? (signbit(a) ? b : a) : a)));
}

template <typename T> __device__ __forceinline__ T nan_min(T a, T b) {
    return a != a || b != b ? a + b : (a < b ? a : (b < a ? b : (a == 0 ? (signbit(a) ? a : b) : a)));
}

template <typename T> __device__ __forceinline__ T compare(int fn, T a, T b) {
    switch (fn) {
        case EQ: return a == b;
        case NE: return a != b;
        case LT: return a < b;
        case LE: return a <= b;
        case GT: return a > b;
        default: return a >= b;
    }
}

template <typename T> __device__ __forceinline__ T apply_binary(int fn, T a, T b) {
    switch (fn) {
        case ADD: return a + b;
        case SUB: return a - b;
        case MUL: return a * b;
        case DIV: return a / b;
        case POW: return c99_pow(a, b);
        case MAXIMUM: return nan_max(a, b);
        case MINIMUM: return nan_min(a, b);
#ifdef COLOSSUS_INTEGER_DIVISION
        case REMAINDER: {  // Python's %: fmod, plus b where the signs differ (exact)
            T r = fmod(a, b);
            return r != (T) 0 && ((r < (T) 0) != (b < (T) 0)) ? r + b : r;
        }
        case FLOOR_DIVIDE: return floor(a / b);
#endif
        default: return compare(fn, a, b);
    }
}

// Integers: sums wrap (computed unsigned), DIV and POW are never sent.
template <> __device__ __forceinline__ long long apply_binary<long long>(int fn, long long a, long long b) {
    switch (fn) {
        case ADD: return (long long) ((unsigned long long) a + (unsigned long long) b);
        case SUB: return (long long) ((unsigned long long) a - (unsigned long long) b);
        case MUL: return (long long) ((unsigned long long) a * (unsigned long long) b);
        case MAXIMUM: return a > b ? a : b;
        case MINIMUM: return a < b ? a : b;
#ifdef COLOSSUS_INTEGER_DIVISION
        // Java's floorMod and floorDiv; by 0: remainder a, quotient 0; by -1: no overflow trap.
        case REMAINDER: {
            if (b == 0 || b == -1) {
                return b == 0 ? a : 0;
            }
            long long r = a % b;
            return r != 0 && ((r < 0) != (b < 0)) ? r + b : r;
        }
        case FLOOR_DIVIDE: {
            if (b == 0 || b == -1) {
                return b == 0 ? 0 : (long long) (0ULL - (unsigned long long) a);
            }
            long long q = a / b;
            return a % b != 0 && ((a < 0) != (b < 0)) ? q - 1 : q;
        }
#endif
        default: return compare(fn, a, b);
    }
}
