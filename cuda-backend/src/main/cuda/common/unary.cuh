// The unary functions, by the ordinals of dev.colossus.op.UnaryFn: the elementwise kernels apply
// them, and the GEMM epilogue applies the activations among them. The functions after SILU exist
// only where COLOSSUS_ALL_UNARY_FUNCTIONS is defined, in the elementwise modules: the GEMM epilogues
// take the activations up to SILU.
#pragma once

enum UnaryCode {
    NEG, ABS, EXP, LOG, SQRT, RSQRT, TANH, SIGMOID, RELU, GELU, GELU_TANH, SILU,
    SIN, COS, ERF, FLOOR, CEIL, ROUND, SIGN, RECIPROCAL, SQUARE, LOG1P, EXPM1
};

// One definition for float and double: CUDA's math functions are overloaded on both.
template <typename T> __device__ __forceinline__ T apply_unary(int fn, T x) {
    switch (fn) {
        case NEG: return -x;
        case ABS: return fabs(x);
        case EXP: return exp(x);
        case LOG: return log(x);
        case SQRT: return sqrt(x);
        case RSQRT: return (T) 1 / sqrt(x);
        case TANH: return tanh(x);
        case SIGMOID: return (T) 1 / ((T) 1 + exp(-x));
        case RELU: return x != x ? x : fmax(x, (T) 0);
        // 1 + erf(x / sqrt 2) as erfc(-x / sqrt 2), and 1 + tanh(z) as 2 / (1 + exp(-2z)): the same
        // values without the cancellation of 1 + (about -1) where x is negative and GELU small.
        case GELU: return (T) 0.5 * x * erfc(x * (T) -0.70710678118654752);
        case GELU_TANH: return x / ((T) 1 + exp((T) -1.5957691216057308 * (x + (T) 0.044715 * x * x * x)));
#ifdef COLOSSUS_ALL_UNARY_FUNCTIONS
        case SIN: return sin(x);
        case COS: return cos(x);
        case ERF: return erf(x);
        case FLOOR: return floor(x);
        case CEIL: return ceil(x);
        case ROUND: return rint(x);  // halves to even
        case SIGN: return x > (T) 0 ? (T) 1 : x < (T) 0 ? (T) -1 : x;  // ±0 and NaN as they are
        case RECIPROCAL: return (T) 1 / x;
        case SQUARE: return x * x;
        case LOG1P: return log1p(x);
        case EXPM1: return expm1(x);
#endif
        default: return x / ((T) 1 + exp(-x));
    }
}

// apply_unary on each of N values, the function chosen once (one switch, not N): the N evaluations
// are straight-line code that overlaps, where N calls of apply_unary would run one after another.
template <int FN, int N> __device__ __forceinline__ void apply_each(float (&x)[N]) {
#pragma unroll
    for (int e = 0; e < N; ++e) {
        x[e] = apply_unary(FN, x[e]);
    }
}

template <int N> __device__ __forceinline__ void apply_unary_each(int fn, float (&x)[N]) {
    switch (fn) {
        case NEG: apply_each<NEG>(x); break;
        case ABS: apply_each<ABS>(x); break;
        case EXP: apply_each<EXP>(x); break;
        case LOG: apply_each<LOG>(x); break;
        case SQRT: apply_each<SQRT>(x); break;
        case RSQRT: apply_each<RSQRT>(x); break;
        case TANH: apply_each<TANH>(x); break;
        case SIGMOID: apply_each<SIGMOID>(x); break;
        case RELU: apply_each<RELU>(x); break;
        case GELU: apply_each<GELU>(x); break;
        case GELU_TANH: apply_each<GELU_TANH>(x); break;
#ifdef COLOSSUS_ALL_UNARY_FUNCTIONS
        case SIN: apply_each<SIN>(x); break;
        case COS: apply_each<COS>(x); break;
        case ERF: apply_each<ERF>(x); break;
        case FLOOR: apply_each<FLOOR>(x); break;
        case CEIL: apply_each<CEIL>(x); break;
        case ROUND: apply_each<ROUND>(x); break;
        case SIGN: apply_each<SIGN>(x); break;
        case RECIPROCAL: apply_each<RECIPROCAL>(x); break;
        case SQUARE: apply_each<SQUARE>(x); break;
        case LOG1P: apply_each<LOG1P>(x); break;
        case EXPM1: apply_each<EXPM1>(x); break;
#endif
        default: apply_each<SILU>(x); break;
    }
}

// Only NEG, ABS and RELU are defined on integers (and, unvalidated, SIGN, SQUARE and the roundings,
// which leave integers as they are); the host never sends the others.
template <> __device__ __forceinline__ long long apply_unary<long long>(int fn, long long x) {
    switch (fn) {
        case NEG: return -x;
        case ABS: return x < 0 ? -x : x;
#ifdef COLOSSUS_ALL_UNARY_FUNCTIONS
        case SIGN: return (x > 0) - (x < 0);
        case SQUARE: return (long long) ((unsigned long long) x * (unsigned long long) x);
        case FLOOR: case CEIL: case ROUND: return x;
#endif
        default: return x > 0 ? x : 0;
    }
}
