// The positions of the k first elements of each line in TopK's order (dev.colossus.op.TopK), a block
// per line. Never run on a GPU yet: routed here only with -Dcolossus.cuda.unvalidatedKernels=true.
//
// Each element becomes one 64-bit key whose signed order is TopK's order, as on the CPU: a 32-bit
// image of the value that orders as the value does (NaN above +Inf, -0 as +0; complemented when the
// largest come first) in the high half, the position in the low half, so that equal values fall in
// position order and no two keys are equal. F32, F16, BF16, I32 and BOOL lines.
//   lines of at most SORTED elements: a bitonic sort of the whole line in shared memory;
//   longer lines, k at most SELECTED: k rounds, each the least key above the last one found.
#include "../common/strided.cuh"

#define THREADS 256
#define SORTED 4096
#define SELECTED 256

__device__ __forceinline__ long long order_key(const void* x, int dtype, long long e, long long position, int largest) {
    int key;
    if (dtype == I32) {
        key = ((const int*) x)[e];
    } else {
        float v = load_float(x, dtype, e);
        int bits = v != v ? 0x7FC00000 : __float_as_int(v + 0.0f);
        key = bits >= 0 ? bits : bits ^ 0x7FFFFFFF;
    }
    if (largest) {
        key = ~key;
    }
    return (long long) ((unsigned long long) (unsigned) key << 32) | position;
}

// The least of the block's values, on every thread.
__device__ long long block_min(long long v, long long* scratch) {
    for (int offset = 16; offset > 0; offset /= 2) {
        long long other = __shfl_xor_sync(0xFFFFFFFFu, v, offset);
        v = other < v ? other : v;
    }
    if (threadIdx.x % 32 == 0) {
        scratch[threadIdx.x / 32] = v;
    }
    __syncthreads();
    if (threadIdx.x < 32) {
        v = threadIdx.x < THREADS / 32 ? scratch[threadIdx.x] : LLONG_MAX;
        for (int offset = 16; offset > 0; offset /= 2) {
            long long other = __shfl_xor_sync(0xFFFFFFFFu, v, offset);
            v = other < v ? other : v;
        }
        if (threadIdx.x == 0) {
            scratch[0] = v;
        }
    }
    __syncthreads();
    v = scratch[0];
    __syncthreads();
    return v;
}

// lines: each line's first element in x and out (xl, ol: the axis at size 1); n elements a line,
// x_stride and out_stride apart; out (I64) gets the first k positions.
extern "C" __global__ void __launch_bounds__(THREADS) topk(long long lines, long long n, int k, int largest, const void* x, Layout xl,
                                                            long long x_stride, void* out, Layout ol, long long out_stride) {
    __shared__ long long keys[SORTED];
    __shared__ long long scratch[THREADS / 32];
    long long* positions = (long long*) out;
    for (long long line = blockIdx.x; line < lines; line += gridDim.x) {
        long long from = element_offset(xl, line), to = element_offset(ol, line);
        if (n <= SORTED) {
            int size = 1;
            while (size < n) {
                size *= 2;
            }
            for (int i = threadIdx.x; i < size; i += THREADS) {
                keys[i] = i < n ? order_key(x, xl.dtype, from + i * x_stride, i, largest) : LLONG_MAX;
            }
            __syncthreads();
            for (int span = 2; span <= size; span *= 2) {
                for (int half = span / 2; half > 0; half /= 2) {
                    for (int i = threadIdx.x; i < size; i += THREADS) {
                        int j = i ^ half;
                        if (j > i) {
                            bool ascending = (i & span) == 0;
                            long long a = keys[i], b = keys[j];
                            if ((a > b) == ascending) {
                                keys[i] = b;
                                keys[j] = a;
                            }
                        }
                    }
                    __syncthreads();
                }
            }
            for (int i = threadIdx.x; i < k; i += THREADS) {
                positions[to + i * out_stride] = keys[i] & 0xFFFFFFFFLL;
            }
            __syncthreads();
        } else {
            long long last = LLONG_MIN;
            for (int r = 0; r < k; ++r) {
                long long best = LLONG_MAX;
                for (long long i = threadIdx.x; i < n; i += THREADS) {
                    long long key = order_key(x, xl.dtype, from + i * x_stride, i, largest);
                    if (key > last && key < best) {
                        best = key;
                    }
                }
                last = block_min(best, scratch);
                if (threadIdx.x == 0) {
                    positions[to + r * out_stride] = last & 0xFFFFFFFFLL;
                }
            }
        }
    }
}
