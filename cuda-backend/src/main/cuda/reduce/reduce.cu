// Reductions: out[j] = fn over r of x[j, r], where the host has split x's dimensions into the kept
// ones (layout `outer`, row-major index j, the order of out) and the reduced ones (layout `inner`,
// row-major index r, offsets relative to the row's start).
//
// Function codes are the ordinals of dev.colossus.op.ReduceFn. Floating inputs accumulate in double;
// the i64 kernels serve SUM, MAX, MIN and ARGMAX of I32, I64 and BOOL, with sums wrapping.
#include "../common/strided.cuh"
#include <math_constants.h>

enum ReduceCode { SUM, MEAN, MAX, MIN, ARGMAX, VAR };

#define THREADS 256

template <typename T> __device__ __forceinline__ bool is_nan(T x) { return x != x; }

// A partial result: value, and for ARGMAX the row-major index of the reduced element it came from.
template <typename T> struct Partial {
    T value;
    long long index;
};

template <typename T> __device__ __forceinline__ T lowest();
template <> __device__ __forceinline__ double lowest<double>() { return -CUDART_INF; }
template <> __device__ __forceinline__ long long lowest<long long>() { return (long long) 0x8000000000000000ULL; }
template <typename T> __device__ __forceinline__ T highest();
template <> __device__ __forceinline__ double highest<double>() { return CUDART_INF; }
template <> __device__ __forceinline__ long long highest<long long>() { return 0x7fffffffffffffffLL; }

template <typename T> __device__ __forceinline__ T wrapping_add(T a, T b) { return a + b; }
template <> __device__ __forceinline__ long long wrapping_add<long long>(long long a, long long b) {
    return (long long) ((unsigned long long) a + (unsigned long long) b);
}

template <typename T> __device__ __forceinline__ Partial<T> identity(int fn) {
    switch (fn) {
        case MAX: return {lowest<T>(), 0};
        case MIN: return {highest<T>(), 0};
        case ARGMAX: return {lowest<T>(), 0x7fffffffffffffffLL};
        default: return {(T) 0, 0};
    }
}

// The first maximum wins; a NaN counts as the maximum.
template <typename T> __device__ __forceinline__ bool argmax_prefers(const Partial<T>& a, const Partial<T>& b) {
    if (is_nan(a.value)) {
        return is_nan(b.value) && b.index < a.index;
    }
    if (is_nan(b.value)) {
        return true;
    }
    return b.value > a.value || (b.value == a.value && b.index < a.index);
}

// MAX and MIN propagate NaN. SUM, MEAN and VAR's passes add.
template <typename T> __device__ __forceinline__ Partial<T> combine(int fn, Partial<T> a, Partial<T> b) {
    switch (fn) {
        case MAX: return {is_nan(a.value) || is_nan(b.value) ? a.value + b.value : (b.value > a.value ? b.value : a.value), 0};
        case MIN: return {is_nan(a.value) || is_nan(b.value) ? a.value + b.value : (b.value < a.value ? b.value : a.value), 0};
        case ARGMAX: return argmax_prefers(a, b) ? b : a;
        default: return {wrapping_add(a.value, b.value), 0};
    }
}

// The partial of element r of a row; `center` is subtracted and squared in VAR's second pass.
template <typename T> __device__ __forceinline__ Partial<T> element(int fn, const void* x, const Layout& inner,
                                                                    long long row, long long r, T center, bool squares) {
    T v = load<T>(x, inner.dtype, row + element_offset(inner, r));
    if (squares) {
        T d = v - center;
        return {d * d, 0};
    }
    return {v, r};
}

// One pass over a row, in a block: every thread folds a stride of the row, then the block folds the
// threads' partials in shared memory. Every thread returns the row's result.
template <typename T> __device__ Partial<T> block_pass(int fn, const void* x, const Layout& inner, long long row,
                                                       long long r_n, T center, bool squares) {
    __shared__ T values[THREADS];
    __shared__ long long indices[THREADS];
    int combine_fn = squares ? SUM : fn;
    Partial<T> acc = identity<T>(combine_fn);
    for (long long r = threadIdx.x; r < r_n; r += blockDim.x) {
        acc = combine(combine_fn, acc, element(fn, x, inner, row, r, center, squares));
    }
    values[threadIdx.x] = acc.value;
    indices[threadIdx.x] = acc.index;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half /= 2) {
        if (threadIdx.x < half) {
            Partial<T> mine = {values[threadIdx.x], indices[threadIdx.x]};
            Partial<T> other = {values[threadIdx.x + half], indices[threadIdx.x + half]};
            Partial<T> both = combine(combine_fn, mine, other);
            values[threadIdx.x] = both.value;
            indices[threadIdx.x] = both.index;
        }
        __syncthreads();
    }
    Partial<T> result = {values[0], indices[0]};
    __syncthreads();
    return result;
}

// One pass over a row, in one thread.
template <typename T> __device__ Partial<T> thread_pass(int fn, const void* x, const Layout& inner, long long row,
                                                        long long r_n, T center, bool squares) {
    int combine_fn = squares ? SUM : fn;
    Partial<T> acc = identity<T>(combine_fn);
    for (long long r = 0; r < r_n; r++) {
        acc = combine(combine_fn, acc, element(fn, x, inner, row, r, center, squares));
    }
    return acc;
}

template <typename T> __device__ __forceinline__ void store_result(int fn, void* out, const Layout& o, long long j,
                                                                  Partial<T> total, T sum_of_squares, long long r_n,
                                                                  int correction) {
    long long at = element_offset(o, j);
    switch (fn) {
        case ARGMAX: store_long(out, o.dtype, at, total.index); break;
        case MEAN: store(out, o.dtype, at, (T) (total.value / (T) r_n)); break;
        case VAR: store(out, o.dtype, at, (T) (sum_of_squares / (T) (r_n - correction))); break;
        default: store(out, o.dtype, at, total.value); break;
    }
}

// One block per output: for long rows.
template <typename T> __device__ void reduce_blocks(int fn, long long n, long long r_n, const void* x, const Layout& outer,
                                                   const Layout& inner, int correction, void* out, const Layout& o) {
    for (long long j = blockIdx.x; j < n; j += gridDim.x) {
        long long row = element_offset(outer, j);
        Partial<T> total = block_pass<T>(fn, x, inner, row, r_n, (T) 0, false);
        T squares = 0;
        if (fn == VAR) {
            squares = block_pass<T>(fn, x, inner, row, r_n, (T) (total.value / (T) r_n), true).value;
        }
        if (threadIdx.x == 0) {
            store_result<T>(fn, out, o, j, total, squares, r_n, correction);
        }
    }
}

// One thread per output: for many short rows.
template <typename T> __device__ void reduce_threads(int fn, long long n, long long r_n, const void* x, const Layout& outer,
                                                    const Layout& inner, int correction, void* out, const Layout& o) {
    FOR_EACH_INDEX(j, n) {
        long long row = element_offset(outer, j);
        Partial<T> total = thread_pass<T>(fn, x, inner, row, r_n, (T) 0, false);
        T squares = 0;
        if (fn == VAR) {
            squares = thread_pass<T>(fn, x, inner, row, r_n, (T) (total.value / (T) r_n), true).value;
        }
        store_result<T>(fn, out, o, j, total, squares, r_n, correction);
    }
}

extern "C" __global__ void __launch_bounds__(THREADS) reduce_blocks_f64(int fn, long long n, long long r_n, const void* x, Layout outer, Layout inner, int correction, void* out, Layout o) { reduce_blocks<double>(fn, n, r_n, x, outer, inner, correction, out, o); }
extern "C" __global__ void __launch_bounds__(THREADS) reduce_blocks_i64(int fn, long long n, long long r_n, const void* x, Layout outer, Layout inner, int correction, void* out, Layout o) { reduce_blocks<long long>(fn, n, r_n, x, outer, inner, correction, out, o); }
extern "C" __global__ void reduce_threads_f64(int fn, long long n, long long r_n, const void* x, Layout outer, Layout inner, int correction, void* out, Layout o) { reduce_threads<double>(fn, n, r_n, x, outer, inner, correction, out, o); }
extern "C" __global__ void reduce_threads_i64(int fn, long long n, long long r_n, const void* x, Layout outer, Layout inner, int correction, void* out, Layout o) { reduce_threads<long long>(fn, n, r_n, x, outer, inner, correction, out, o); }
