// Elementwise kernels over strided operands of n elements (row-major over the output's shape):
// copy and cast, fill, arange, the unary and binary functions, and where.
//
// Function codes are the ordinals of dev.colossus.op.UnaryFn and BinaryFn. The arithmetic type is in
// the kernel's name: f32 (F32, F16, BF16), f64 (F64), i64 (I32, I64, BOOL).
//
// Every unary function (the GEMM epilogues take those up to SILU) and every binary one, REMAINDER and
// FLOOR_DIVIDE included; those after SILU and GE first passed on an H200 on 2026-12-04 (gpu-runs.md).
#define COLOSSUS_ALL_UNARY_FUNCTIONS
#define COLOSSUS_INTEGER_DIVISION
#include "../common/strided.cuh"
#include "../common/unary.cuh"
#include "../common/binary.cuh"

// out[i] = cast(src[i]); integer-to-integer casts stay in 64-bit integers, the rest go through double.
extern "C" __global__ void copy(long long n, const void* src, Layout s, void* out, Layout o) {
    bool integral = s.dtype >= I32 && o.dtype >= I32;
    FOR_EACH_INDEX(i, n) {
        long long from = element_offset(s, i), to = element_offset(o, i);
        if (integral) {
            store_long(out, o.dtype, to, load_long(src, s.dtype, from));
        } else {
            store_double(out, o.dtype, to, load_double(src, s.dtype, from));
        }
    }
}

// out[i] = cast(value)
extern "C" __global__ void fill(long long n, void* out, Layout o, double value) {
    FOR_EACH_INDEX(i, n) {
        store_double(out, o.dtype, element_offset(o, i), value);
    }
}

// out[i] = cast(start + i * step), computed in double
extern "C" __global__ void arange(long long n, void* out, Layout o, double start, double step) {
    FOR_EACH_INDEX(i, n) {
        store_double(out, o.dtype, element_offset(o, i), start + (double) i * step);
    }
}

template <typename T>
__device__ void unary(int fn, long long n, const void* x, const Layout& xl, void* out, const Layout& o) {
    FOR_EACH_INDEX(i, n) {
        store(out, o.dtype, element_offset(o, i), apply_unary<T>(fn, load<T>(x, xl.dtype, element_offset(xl, i))));
    }
}

// out[i] = fn(x[i])
extern "C" __global__ void unary_f32(int fn, long long n, const void* x, Layout xl, void* out, Layout o) { unary<float>(fn, n, x, xl, out, o); }
extern "C" __global__ void unary_f64(int fn, long long n, const void* x, Layout xl, void* out, Layout o) { unary<double>(fn, n, x, xl, out, o); }
extern "C" __global__ void unary_i64(int fn, long long n, const void* x, Layout xl, void* out, Layout o) { unary<long long>(fn, n, x, xl, out, o); }

template <typename T>
__device__ void binary(int fn, long long n, const void* a, const Layout& al, const void* b, const Layout& bl,
                       void* out, const Layout& o) {
    FOR_EACH_INDEX(i, n) {
        T x = load<T>(a, al.dtype, element_offset(al, i));
        T y = load<T>(b, bl.dtype, element_offset(bl, i));
        store(out, o.dtype, element_offset(o, i), apply_binary<T>(fn, x, y));
    }
}

// out[i] = fn(a[i], b[i]); a and b are broadcast views of out's shape
extern "C" __global__ void binary_f32(int fn, long long n, const void* a, Layout al, const void* b, Layout bl, void* out, Layout o) { binary<float>(fn, n, a, al, b, bl, out, o); }
extern "C" __global__ void binary_f64(int fn, long long n, const void* a, Layout al, const void* b, Layout bl, void* out, Layout o) { binary<double>(fn, n, a, al, b, bl, out, o); }
extern "C" __global__ void binary_i64(int fn, long long n, const void* a, Layout al, const void* b, Layout bl, void* out, Layout o) { binary<long long>(fn, n, a, al, b, bl, out, o); }

// out[i] = condition[i] ? a[i] : b[i], moving the selected element's bits through its arithmetic type
extern "C" __global__ void where(long long n, const unsigned char* condition, Layout cl, const void* a, Layout al,
                                 const void* b, Layout bl, void* out, Layout o) {
    bool integral = o.dtype >= I32;
    FOR_EACH_INDEX(i, n) {
        bool pick_a = condition[element_offset(cl, i)] != 0;
        const void* src = pick_a ? a : b;
        const Layout& l = pick_a ? al : bl;
        long long from = element_offset(l, i), to = element_offset(o, i);
        if (integral) {
            store_long(out, o.dtype, to, load_long(src, l.dtype, from));
        } else {
            store_double(out, o.dtype, to, load_double(src, l.dtype, from));
        }
    }
}
