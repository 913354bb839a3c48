// Gathers, scatters, running sums and rotary embeddings over strided operands.
//
// Never run on a GPU yet: the backend routes ops here only with -Dcolossus.cuda.unvalidatedKernels=true
// (gpu-runs.md has no passing run for this module).
//
// An index operand is I32 or I64 (its dtype code in its layout). Every index was checked against its
// dimension before the op was built (Ops reads the indices' min and max back); an index outside it
// here is skipped, never read through or written through.
#include "../common/strided.cuh"

__device__ __forceinline__ long long load_index(const void* index, const Layout& il, long long i) {
    long long e = element_offset(il, i);
    return il.dtype == I32 ? (long long) ((const int*) index)[e] : ((const long long*) index)[e];
}

// out[i] = x[i with i_axis replaced by index[i]], i over out's n elements. xl is x at out's shape with
// stride 0 along the axis, so x's element is element_offset(xl, i) + index[i] * x_axis_stride.
extern "C" __global__ void gather(long long n, const void* x, Layout xl, long long x_axis_stride, long long x_axis_size,
                                  const void* index, Layout il, void* out, Layout o) {
    bool integral = xl.dtype >= I32;
    FOR_EACH_INDEX(i, n) {
        long long j = load_index(index, il, i);
        if (j < 0 || j >= x_axis_size) {
            continue;
        }
        long long from = element_offset(xl, i) + j * x_axis_stride, to = element_offset(o, i);
        if (integral) {
            store_long(out, o.dtype, to, load_long(x, xl.dtype, from));
        } else {
            store_double(out, o.dtype, to, load_double(x, xl.dtype, from));
        }
    }
}

// Adds v to out's element e atomically, in out's dtype: repeated indices all land.
__device__ __forceinline__ void atomic_add(void* out, int dtype, long long e, double v, long long integer) {
    switch (dtype) {
        case F32: atomicAdd((float*) out + e, (float) v); break;
        case F64: atomicAdd((double*) out + e, v); break;
        case F16: atomicAdd((__half*) out + e, __float2half_rn((float) v)); break;
        case BF16: atomicAdd((__nv_bfloat16*) out + e, __float2bfloat16_rn((float) v)); break;
        case I32: atomicAdd((int*) out + e, (int) integer); break;
        default: atomicAdd((unsigned long long*) out + e, (unsigned long long) integer); break;
    }
}

// out[i with i_axis replaced by index[i]] = src[i] (or += with accumulate), i over src's n elements.
// ol is out at src's shape with stride 0 along the axis.
extern "C" __global__ void scatter(long long n, const void* src, Layout sl, const void* index, Layout il, void* out, Layout ol,
                                   long long out_axis_stride, long long out_axis_size, int accumulate) {
    bool integral = sl.dtype >= I32;
    FOR_EACH_INDEX(i, n) {
        long long j = load_index(index, il, i);
        if (j < 0 || j >= out_axis_size) {
            continue;
        }
        long long from = element_offset(sl, i), to = element_offset(ol, i) + j * out_axis_stride;
        if (accumulate) {
            atomic_add(out, ol.dtype, to, integral ? 0.0 : load_double(src, sl.dtype, from), integral ? load_long(src, sl.dtype, from) : 0);
        } else if (integral) {
            store_long(out, ol.dtype, to, load_long(src, sl.dtype, from));
        } else {
            store_double(out, ol.dtype, to, load_double(src, sl.dtype, from));
        }
    }
}

// Running sums along a line of length len, a thread per line, in order: in double for the floating
// dtypes (so an F64 line sums to the same bits as on the CPU and the reference), in 64-bit integers
// for the rest. xl and ol give each line's first element (line index row-major over the other dims).
extern "C" __global__ void cumsum(long long lines, long long len, const void* x, Layout xl, long long x_stride, void* out,
                                  Layout ol, long long out_stride) {
    bool integral = xl.dtype >= I32;
    FOR_EACH_INDEX(line, lines) {
        long long from = element_offset(xl, line), to = element_offset(ol, line);
        double sum = 0;
        long long integer_sum = 0;
        for (long long t = 0; t < len; ++t) {
            if (integral) {
                integer_sum += load_long(x, xl.dtype, from + t * x_stride);
                store_long(out, ol.dtype, to + t * out_stride, integer_sum);
            } else {
                sum += load_double(x, xl.dtype, from + t * x_stride);
                store_double(out, ol.dtype, to + t * out_stride, sum);
            }
        }
    }
}

// Rounded products and sums that the compiler may not contract into an FMA.
__device__ __forceinline__ float mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double mul_rn(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ float add_rn(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ double add_rn(double a, double b) { return __dadd_rn(a, b); }
__device__ __forceinline__ float sub_rn(float a, float b) { return __fsub_rn(a, b); }
__device__ __forceinline__ double sub_rn(double a, double b) { return __dsub_rn(a, b); }

// Each pair (first, second) of x to (first cos - second sin, second cos + first sin), i over the n
// pairs: a and b are x's halves as views of the pairs' shape (x[.., :D/2] and x[.., D/2:], or
// x[.., 0::2] and x[.., 1::2]), c and s cos and sin broadcast to it, oa and ob out's halves.
template <typename T>
__device__ void rotary(long long n, const void* x, const Layout& a, const Layout& b, const void* cos, const Layout& c,
                       const void* sin, const Layout& s, void* out, const Layout& oa, const Layout& ob) {
    FOR_EACH_INDEX(i, n) {
        T first = load<T>(x, a.dtype, element_offset(a, i)), second = load<T>(x, b.dtype, element_offset(b, i));
        T cosine = load<T>(cos, c.dtype, element_offset(c, i)), sine = load<T>(sin, s.dtype, element_offset(s, i));
        // Products and sums apart, as the CPU computes them.
        T turned_first = sub_rn(mul_rn(first, cosine), mul_rn(second, sine));
        T turned_second = add_rn(mul_rn(second, cosine), mul_rn(first, sine));
        store(out, oa.dtype, element_offset(oa, i), turned_first);
        store(out, ob.dtype, element_offset(ob, i), turned_second);
    }
}

extern "C" __global__ void rotary_f32(long long n, const void* x, Layout a, Layout b, const void* cos, Layout c, const void* sin,
                                      Layout s, void* out, Layout oa, Layout ob) {
    rotary<float>(n, x, a, b, cos, c, sin, s, out, oa, ob);
}

extern "C" __global__ void rotary_f64(long long n, const void* x, Layout a, Layout b, const void* cos, Layout c, const void* sin,
                                      Layout s, void* out, Layout oa, Layout ob) {
    rotary<double>(n, x, a, b, cos, c, sin, s, out, oa, ob);
}
