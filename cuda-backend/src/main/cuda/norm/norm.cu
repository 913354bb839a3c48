// Layer and RMS normalisation over the trailing n elements of each row, one block per row. The host
// gives x and out as `rows` (row start) and `items` (the trailing axes, row-major index r, offsets
// relative to the row start); weight and bias are over the trailing shape alone, or null.
//   layerNorm: out = (x - mean) / sqrt(var + eps) * weight + bias,  var = sum (x - mean)^2 / n
//   rmsNorm:   out = x / sqrt(sum x^2 / n + eps) * weight
// F32, F16 and BF16 compute in float (kernel suffix f32), F64 in double.
//
// Built twice (build-ptx.sh): norm.ptx, the kernels as they last passed on a GPU, whose F32 sums of
// squares overflow for |x| past 1.8e19 (issue 19: the rows then normalise to zeros), and, with
// -DCOLOSSUS_UNVALIDATED, norm.unvalidated.ptx, which sums the row and its squares in double
// whatever T, as the reference does; not yet run on a GPU.
// ptx-variant: unvalidated -DCOLOSSUS_UNVALIDATED
#include "../common/strided.cuh"
#include "../common/block_reduce.cuh"

#ifdef COLOSSUS_UNVALIDATED
template <typename T> using Sums = double;
#else
template <typename T> using Sums = T;
#endif

template <typename T> __device__ __forceinline__ T scale_of(const void* weight, const Layout& wl, long long r) {
    return weight == nullptr ? (T) 1 : load<T>(weight, wl.dtype, element_offset(wl, r));
}

template <typename T> __device__ __forceinline__ T shift_of(const void* bias, const Layout& bl, long long r) {
    return bias == nullptr ? (T) 0 : load<T>(bias, bl.dtype, element_offset(bl, r));
}

template <typename T>
__device__ void layer_norm(long long rows, long long n, T eps, const void* x, const Layout& x_rows, const Layout& x_items,
                           const void* weight, const Layout& wl, const void* bias, const Layout& bl,
                           void* out, const Layout& out_rows, const Layout& out_items) {
    for (long long row = blockIdx.x; row < rows; row += gridDim.x) {
        long long x_at = element_offset(x_rows, row), out_at = element_offset(out_rows, row);
        Sums<T> sum = 0;
        for (long long r = threadIdx.x; r < n; r += blockDim.x) {
            sum += load<T>(x, x_items.dtype, x_at + element_offset(x_items, r));
        }
        T mean = (T) (block_reduce(sum, Sum<Sums<T>>()) / (Sums<T>) n);
        Sums<T> squares = 0;
        for (long long r = threadIdx.x; r < n; r += blockDim.x) {
            Sums<T> d = load<T>(x, x_items.dtype, x_at + element_offset(x_items, r)) - mean;
            squares += d * d;
        }
        T inverse_std = (T) ((Sums<T>) 1 / sqrt(block_reduce(squares, Sum<Sums<T>>()) / (Sums<T>) n + eps));
        for (long long r = threadIdx.x; r < n; r += blockDim.x) {
            T v = (load<T>(x, x_items.dtype, x_at + element_offset(x_items, r)) - mean) * inverse_std;
            store(out, out_items.dtype, out_at + element_offset(out_items, r), v * scale_of<T>(weight, wl, r) + shift_of<T>(bias, bl, r));
        }
    }
}

template <typename T>
__device__ void rms_norm(long long rows, long long n, T eps, const void* x, const Layout& x_rows, const Layout& x_items,
                         const void* weight, const Layout& wl, void* out, const Layout& out_rows, const Layout& out_items) {
    for (long long row = blockIdx.x; row < rows; row += gridDim.x) {
        long long x_at = element_offset(x_rows, row), out_at = element_offset(out_rows, row);
        Sums<T> squares = 0;
        for (long long r = threadIdx.x; r < n; r += blockDim.x) {
            Sums<T> v = load<T>(x, x_items.dtype, x_at + element_offset(x_items, r));
            squares += v * v;
        }
        T inverse_rms = (T) ((Sums<T>) 1 / sqrt(block_reduce(squares, Sum<Sums<T>>()) / (Sums<T>) n + eps));
        for (long long r = threadIdx.x; r < n; r += blockDim.x) {
            T v = load<T>(x, x_items.dtype, x_at + element_offset(x_items, r)) * inverse_rms;
            store(out, out_items.dtype, out_at + element_offset(out_items, r), v * scale_of<T>(weight, wl, r));
        }
    }
}

extern "C" __global__ void layer_norm_f32(long long rows, long long n, double eps, const void* x, Layout x_rows, Layout x_items, const void* weight, Layout wl, const void* bias, Layout bl, void* out, Layout out_rows, Layout out_items) { layer_norm<float>(rows, n, (float) eps, x, x_rows, x_items, weight, wl, bias, bl, out, out_rows, out_items); }
extern "C" __global__ void layer_norm_f64(long long rows, long long n, double eps, const void* x, Layout x_rows, Layout x_items, const void* weight, Layout wl, const void* bias, Layout bl, void* out, Layout out_rows, Layout out_items) { layer_norm<double>(rows, n, eps, x, x_rows, x_items, weight, wl, bias, bl, out, out_rows, out_items); }
extern "C" __global__ void rms_norm_f32(long long rows, long long n, double eps, const void* x, Layout x_rows, Layout x_items, const void* weight, Layout wl, void* out, Layout out_rows, Layout out_items) { rms_norm<float>(rows, n, (float) eps, x, x_rows, x_items, weight, wl, out, out_rows, out_items); }
extern "C" __global__ void rms_norm_f64(long long rows, long long n, double eps, const void* x, Layout x_rows, Layout x_items, const void* weight, Layout wl, void* out, Layout out_rows, Layout out_items) { rms_norm<double>(rows, n, eps, x, x_rows, x_items, weight, wl, out, out_rows, out_items); }
