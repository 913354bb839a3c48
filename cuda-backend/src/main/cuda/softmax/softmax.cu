// Softmax along one axis, one block per row. The host gives each operand as `outer` (row start,
// row-major over the other axes) and a rank-1 `inner` (the axis: length L, stride).
//   softmax:    out[i] = exp(x[i] - max) / sum_j exp(x[j] - max)
//   logSoftmax: out[i] = x[i] - max - log(sum_j exp(x[j] - max))
// F32, F16 and BF16 compute in float (kernel suffix f32), F64 in double.
#include "../common/strided.cuh"
#include "../common/block_reduce.cuh"

template <typename T> __device__ __forceinline__ T exp_of(T x);
template <> __device__ __forceinline__ float exp_of<float>(float x) { return expf(x); }
template <> __device__ __forceinline__ double exp_of<double>(double x) { return exp(x); }

template <typename T>
__device__ void softmax(long long rows, long long length, int log_softmax, const void* x, const Layout& x_rows,
                        const Layout& x_axis, void* out, const Layout& out_rows, const Layout& out_axis) {
    for (long long row = blockIdx.x; row < rows; row += gridDim.x) {
        long long x_at = element_offset(x_rows, row), out_at = element_offset(out_rows, row);
        T max = -INFINITY;
        for (long long i = threadIdx.x; i < length; i += blockDim.x) {
            max = Max<T>()(max, load<T>(x, x_axis.dtype, x_at + i * x_axis.strides[0]));
        }
        max = block_reduce(max, Max<T>());
        T sum = 0;
        for (long long i = threadIdx.x; i < length; i += blockDim.x) {
            sum += exp_of(load<T>(x, x_axis.dtype, x_at + i * x_axis.strides[0]) - max);
        }
        sum = block_reduce(sum, Sum<T>());
        T log_sum = log(sum);
        for (long long i = threadIdx.x; i < length; i += blockDim.x) {
            T shifted = load<T>(x, x_axis.dtype, x_at + i * x_axis.strides[0]) - max;
            store(out, out_axis.dtype, out_at + i * out_axis.strides[0], log_softmax ? shifted - log_sum : exp_of(shifted) / sum);
        }
    }
}

extern "C" __global__ void softmax_f32(long long rows, long long length, int log_softmax, const void* x, Layout x_rows, Layout x_axis, void* out, Layout out_rows, Layout out_axis) { softmax<float>(rows, length, log_softmax, x, x_rows, x_axis, out, out_rows, out_axis); }
extern "C" __global__ void softmax_f64(long long rows, long long length, int log_softmax, const void* x, Layout x_rows, Layout x_axis, void* out, Layout out_rows, Layout out_axis) { softmax<double>(rows, length, log_softmax, x, x_rows, x_axis, out, out_rows, out_axis); }
