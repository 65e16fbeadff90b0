// The backward of the learned convolution (onchip_conv_learned with learned_spectrum): du, dk, dD
// and every learned matrix's gradient, StockhamButterfly.forwardBackward on the GPU.
//
// One block per (channel, share of the batch) runs, for each of its rows, on chip: u's learned
// forward transform, the product, the inverse transform (each learned pass's input saved in the
// block's own scratch, which stays in L2), then dy back through the inverse transform's
// adjoint, the product's and the forward transform's, each level's gradient summed as it goes.
// A pass's adjoint reads from where the pass wrote and writes where it read, with P^H for P and
// the twiddles conjugated after the product; a 256 pass's inner values are recomputed from its
// saved input. Level gradients are tensor-core products over the pass's columns: for a level
// with output gradient G and input V (16 x columns each), dP += G V^H. The spectrum's gradient
// (each bin summed over the batch) then goes back through the split and k's forward transform,
// one channel per block.
#include "onchip_launchers.cuh"
#include "device_limits.cuh"
#include "row_splits.cuh"

namespace {

using fb::Dft16Lanes;

// The passes of the learned transform of n values (pass_bits, n <= 2^14: at most 2), in order.
struct Passes {
    static constexpr int kMax = 4;
    int count = 0;
    int learned = 0;  // passes with learned levels, whose inputs the backward saves
    int bits[kMax] = {}, span[kMax] = {}, level[kMax] = {}, saved[kMax] = {};  // saved: -1 for fixed passes
};

__host__ __device__ inline Passes passes_of(int n) {
    Passes p;
    int bits = 0;
    while ((1 << bits) < n) ++bits;
    for (int done = 0, level = 0; done < bits; ++p.count) {
        const int radix_bits = pass_bits<true>(bits - done);
        p.bits[p.count] = radix_bits;
        p.span[p.count] = 1 << done;
        p.level[p.count] = level;
        p.saved[p.count] = radix_bits >= 4 ? p.learned++ : -1;
        done += radix_bits;
        level += pass_levels(radix_bits);
    }
    return p;
}

// The block's buffers: two of n values in shared memory (padded, slot()) and the current pass's
// saved input, read where it was saved (the block's scratch, in L2): a third
// buffer of n values in shared memory would halve the blocks per SM at n = 8K.
template <typename Value> struct Buffers {
    Value *g;         // the gradient being propagated, in place
    Value *inner;     // a 256 or 128 pass's inner values
    const Value *in;  // the current pass's saved input, unpadded
    float *partials;  // the warps' level-gradient partials where no shared buffer is free, the block's scratch
};

template <typename Value> __device__ void save_values(const Value *x, Value *to, int n) {
    for (int i = threadIdx.x; i < n; i += blockDim.x) to[i] = x[slot<Value>(i)];
}

// The learned matrices' A fragments, [levels] of P, then [levels] of P^H.
__device__ __forceinline__ void load_fragments(Dft16Lanes *fragments, const float *matrices, int levels) {
    fb::set_learned_lanes(fragments, 64 * levels, levels, matrices, matrices, true);
}

// Every group's fragments for the backward's blocks, once per call: [groups][forward, inverse]
// [P, P^H][levels] (load_fragments' layout per direction), block g the group's. Short sequences'
// blocks read them from device memory (L1): in shared memory they would cost those one-warp
// blocks half their residency. Long sequences' blocks copy them there (Layout).
__global__ void learned_backward_fragments(const float *forward, const float *inverse, int levels,
                                           Dft16Lanes *fragments) {
    Dft16Lanes *mine = fragments + 4 * static_cast<int64_t>(levels) * blockIdx.x;
    load_fragments(mine, forward + 512 * static_cast<int64_t>(levels) * blockIdx.x, levels);
    load_fragments(mine + 2 * levels, inverse + 512 * static_cast<int64_t>(levels) * blockIdx.x, levels);
}

// grad (16 x 16 complex, row-major, the block's sum in shared memory) += G V^H over columns
// 16-vectors, G[p][c] = out_grad(c, p), V[s][c] = input(c, s): each warp's chunks of 16 columns
// on tensor cores. A one-warp block adds its sum to grad itself; in a block of several warps each
// warp writes its sum to partials (its 32 lanes' 16 values each: a free buffer of n values in
// shared memory where the caller has one, else the block's scratch) and,
// after a barrier, each of grad's 512 floats is added up over the warps by one thread: float
// atomics in shared memory are compare-and-swap loops, which cost the multi-warp blocks 14-19%.
// Reads the values only; each caller's next step has a barrier before it overwrites them, and
// before the next call writes partials again.
template <typename OutGrad, typename Input>
__device__ __forceinline__ void add_level_grad(int columns, OutGrad out_grad, Input input, float *grad,
                                               float *partials) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    const int g = lane >> 2, t = lane & 3;
    float acc[2][2][4] = {};  // [tile of s][re, im], C layout: rows p = g, g + 8; columns s = 2t, 2t + 1
    auto at = [&](auto value, int c, int row) { return c < columns ? value(c, row) : make_float2(0.0f, 0.0f); };
    for (int first = warp * 16; first < columns; first += warps * 16) {
        uint32_t a_re[4], a_im[4];  // G: rows p, columns c
#pragma unroll
        for (int reg = 0; reg < 4; ++reg) {
            const int p = g + (reg & 1) * 8, c = first + 2 * t + (reg >> 1) * 8;
            const float2 x0 = at(out_grad, c, p), x1 = at(out_grad, c + 1, p);
            a_re[reg] = fb::pack2<__nv_bfloat16>(x0.x, x1.x);
            a_im[reg] = fb::pack2<__nv_bfloat16>(x0.y, x1.y);
        }
#pragma unroll
        for (int tile = 0; tile < 2; ++tile) {
            uint32_t b_re[2], b_im[2], b_neg_im[2];  // V^T: rows c, columns s
#pragma unroll
            for (int reg = 0; reg < 2; ++reg) {
                const int c = first + 2 * t + reg * 8, s = g + 8 * tile;
                const float2 v0 = at(input, c, s), v1 = at(input, c + 1, s);
                b_re[reg] = fb::pack2<__nv_bfloat16>(v0.x, v1.x);
                b_im[reg] = fb::pack2<__nv_bfloat16>(v0.y, v1.y);
                b_neg_im[reg] = fb::pack2<__nv_bfloat16>(-v0.y, -v1.y);
            }
            // G V^H: re = Gr Vr^T + Gi Vi^T, im = Gi Vr^T - Gr Vi^T
            fb::mma_16x8x16<__nv_bfloat16>(acc[tile][0], a_re, b_re[0], b_re[1]);
            fb::mma_16x8x16<__nv_bfloat16>(acc[tile][0], a_im, b_im[0], b_im[1]);
            fb::mma_16x8x16<__nv_bfloat16>(acc[tile][1], a_im, b_re[0], b_re[1]);
            fb::mma_16x8x16<__nv_bfloat16>(acc[tile][1], a_re, b_neg_im[0], b_neg_im[1]);
        }
    }
    if (warps == 1) {  // the sums' only writer
#pragma unroll
        for (int tile = 0; tile < 2; ++tile) {
#pragma unroll
            for (int e = 0; e < 4; ++e) {
                const int at_ps = 2 * (16 * (g + (e >> 1) * 8) + 8 * tile + 2 * t + (e & 1));
                grad[at_ps] += acc[tile][0][e];
                grad[at_ps + 1] += acc[tile][1][e];
            }
        }
        return;
    }
    // this lane's value v = 2 (4 tile + e) + part at partials[16 (32 warp + lane) + v]
    auto *mine = reinterpret_cast<float4 *>(partials + 16 * (32 * warp + lane));
#pragma unroll
    for (int tile = 0; tile < 2; ++tile) {
#pragma unroll
        for (int e = 0; e < 4; e += 2) {
            mine[2 * tile + e / 2] =
                make_float4(acc[tile][0][e], acc[tile][1][e], acc[tile][0][e + 1], acc[tile][1][e + 1]);
        }
    }
    __syncthreads();
    // q = 2 (16 p + s) + part, with p = g + 8 (e / 2) and s = 8 tile + 2 t + e % 2 of its lane
    for (int q = threadIdx.x; q < 512; q += blockDim.x) {
        const int p = (q >> 1) / 16, s = (q >> 1) % 16;
        const int from_lane = 4 * (p % 8) + (s % 8) / 2, v = 2 * (4 * (s / 8) + 2 * (p / 8) + s % 2) + (q & 1);
        float sum = 0.0f;
        for (int w = 0; w < warps; ++w) sum += partials[16 * (32 * w + from_lane) + v];
        grad[q] += sum;
    }
}

// The adjoint of a fixed radix-R pass (R = 2, 4 or 8) at span ns, in place: each column's R
// gradients read where the pass wrote them, through the DFT's adjoint (the other direction's
// DFT) and the conjugate twiddles, written where the pass read.
template <int R, bool kInverse, typename Value> __device__ void small_pass_adjoint(Value *x, int n, int ns) {
    constexpr int kGroups = kValuesPerThread / R;  // columns per thread: n / R of them, n / 16 threads
    const int count = n / R;
    float2 held[kGroups][R];
#pragma unroll
    for (int group = 0; group < kGroups; ++group) {
        const int j = threadIdx.x + group * blockDim.x;
        if (j < count) {
            const int base = fb::span_offset(j, count, ns, R);
#pragma unroll
            for (int p = 0; p < R; ++p) held[group][p] = fb::load_value(x, slot<Value>(base + p * ns));
        }
    }
    __syncthreads();
#pragma unroll
    for (int group = 0; group < kGroups; ++group) {
        const int j = threadIdx.x + group * blockDim.x;
        if (j >= count) continue;
        const int k = j & (ns - 1);
        dft<!kInverse, R>(held[group]);  // bit-reversed out
#pragma unroll
        for (int q = 0; q < R; ++q) {
            const int s = reverse_bits(q, log2_radix<R>());
            const float2 v = held[group][q];
            fb::store_value(x, slot<Value>(j + s * count), ns > 1 ? fb::twiddle(v, s * k, R * ns, !kInverse) : v);
        }
    }
    __syncthreads();
}

// The adjoint of a learned radix-16 pass at span ns: its matrix's gradient added to grad, then
// b.g, the output's gradient, becomes the input's. adjoint: P^H's lane fragments.
template <bool kInverse, typename Value>
__device__ void pass16_adjoint(const Buffers<Value> &b, int n, int ns, const Dft16Lanes *adjoint, float *grad) {
    const int count = n / 16;
    auto input = [&](int j, int s) {
        const float2 v = fb::load_value(b.in, j + s * count);
        return ns > 1 ? fb::twiddle(v, s * (j & (ns - 1)), 16 * ns, kInverse) : v;
    };
    auto out_grad = [&](int j, int p) { return fb::load_value(b.g, slot<Value>(fb::span_offset(j, count, ns, 16) + p * ns)); };
    add_level_grad(count, out_grad, input, grad, reinterpret_cast<float *>(b.inner));  // inner: unused by this pass
    fb::matrix_step<kTensorTilesPerRound>(count, adjoint, blockDim.x, out_grad, [&](int j, int s, float2 v) {
        fb::store_value(b.g, slot<Value>(j + s * count), ns > 1 ? fb::twiddle(v, s * (j & (ns - 1)), 16 * ns, !kInverse) : v);
    });
}

// The adjoint of a pass of radix R = 16 kM (two levels) at span ns, StockhamButterfly's
// applyBackward: V[a][b] = v[kM a + b] of column j, Ut = (P1 V) W_R^(b c), X[c + 16 d] = sum_b
// P2[d][b] Ut[c][b] (P2 the fixed 8-point DFT for kM = 8). Its matrices' gradients are added to
// grads (level's and the next's), and b.g becomes the input's gradient. Inner values at
// j R + c kM + b of b.inner.
template <int kM, bool kInverse, typename Value>
__device__ void pass16m_adjoint(const Buffers<Value> &b, int n, int ns, const Dft16Lanes *fragments,
                                const Dft16Lanes *adjoint, float *grads) {
    constexpr int kRadix = 16 * kM;
    const int count = n / kRadix;
    const int columns = n / 16;  // (j, b) for the first level, (j, c) for the second
    auto input = [&](int column, int a) {
        const int j = column / kM, s = kM * a + column % kM;
        const float2 v = fb::load_value(b.in, j + s * count);
        return ns > 1 ? fb::twiddle(v, s * (j & (ns - 1)), kRadix * ns, kInverse) : v;
    };
    auto inner_at = [](int j, int c, int column_b) { return slot<Value>(j * kRadix + c * kM + column_b); };
    auto out_at = [&](int j, int c, int d) { return slot<Value>(fb::span_offset(j, count, ns, kRadix) + (c + 16 * d) * ns); };
    if constexpr (kM == 16) {
        fb::matrix_step<kTensorTilesPerRound>(columns, fragments, blockDim.x, input, [&](int column, int c, float2 v) {  // Ut, recomputed
            const int column_b = column % 16;
            fb::store_value(b.inner, inner_at(column / 16, c, column_b), fb::twiddle(v, column_b * c, kRadix, kInverse));
        });
        auto out_grad = [&](int column, int d) { return fb::load_value(b.g, out_at(column / 16, column % 16, d)); };
        add_level_grad(columns, out_grad,
                       [&](int column, int column_b) {
                           return fb::load_value(b.inner, inner_at(column / 16, column % 16, column_b));
                       },
                       grads + 512, b.partials);
        fb::matrix_step<kTensorTilesPerRound>(columns, adjoint + 1, blockDim.x, out_grad, [&](int column, int column_b, float2 v) {  // gU = (P2^H gX) conj(W)
            const int c = column % 16;
            fb::store_value(b.inner, inner_at(column / 16, c, column_b), fb::twiddle(v, column_b * c, kRadix, !kInverse));
        });
    } else {
        // gU = (F8^H gX) conj(W): F8 is symmetric, its adjoint the other direction's DFT
        for (int item = threadIdx.x; item < 16 * count; item += blockDim.x) {
            const int j = item / 16, c = item % 16;
            float2 v[8];
#pragma unroll
            for (int d = 0; d < 8; ++d) v[d] = fb::load_value(b.g, out_at(j, c, d));
            dft<!kInverse, 8>(v);
#pragma unroll
            for (int q = 0; q < 8; ++q) {
                const int column_b = reverse_bits(q, 3);
                fb::store_value(b.inner, inner_at(j, c, column_b), fb::twiddle(v[q], column_b * c, kRadix, !kInverse));
            }
        }
        __syncthreads();
    }
    auto inner_grad = [&](int column, int c) { return fb::load_value(b.inner, inner_at(column / kM, c, column % kM)); };
    // g: its values were the last step's input, and its next values come after a barrier
    add_level_grad(columns, inner_grad, input, grads, reinterpret_cast<float *>(b.g));
    fb::matrix_step<kTensorTilesPerRound>(columns, adjoint, blockDim.x, inner_grad, [&](int column, int a, float2 v) {
        const int j = column / kM, s = kM * a + column % kM;
        fb::store_value(b.g, slot<Value>(j + s * count), ns > 1 ? fb::twiddle(v, s * (j & (ns - 1)), kRadix * ns, !kInverse) : v);
    });
}

// The learned transform of x (transform's learned form: fragments as load_fragments lays them
// out), each learned pass's input saved in order, n values apart. Ends with a barrier. kLogN > 0:
// n = 2^kLogN known when compiled, the passes unrolled with every size and span a constant
// (transform's sized form); 0: n at run time.
template <bool kInverse, int kLogN, int kDone = 0, int kLevel = 0, int kSaved = 0, typename Value>
__device__ __forceinline__ void transform_saving(Value *x, int n, const Dft16Lanes *fragments, Value *saved) {
    if constexpr (kLogN == 0) {
        const Passes p = passes_of(n);
        for (int i = 0; i < p.count; ++i) {
            if (p.saved[i] >= 0) save_values(x, saved + static_cast<int64_t>(p.saved[i]) * n, n);
            transform_pass<true, 1, kInverse, true>(x, n, p.span[i], p.bits[i], p.level[i], fragments, blockDim.x);
        }
    } else if constexpr (kDone < kLogN) {
        constexpr int kBits = pass_bits<true>(kLogN - kDone);
        if constexpr (kBits >= 4) save_values(x, saved + kSaved * (1 << kLogN), 1 << kLogN);
        transform_pass<true, 1, kInverse, true>(x, 1 << kLogN, 1 << kDone, kBits, kLevel, fragments,
                                                threads_for<kLogN>());
        transform_saving<kInverse, kLogN, kDone + kBits, kLevel + pass_levels(kBits), kSaved + (kBits >= 4 ? 1 : 0)>(
            x, n, fragments, saved);
    }
}

// The adjoint of one pass of radix 2^bits at span ns (its first level `level`, its saved input
// at in): b.g, its output's gradient, becomes its input's; its levels' gradients added to grads.
template <bool kInverse, typename Value>
__device__ __forceinline__ void pass_adjoint(const Buffers<Value> &b, int n, int ns, int bits, int level,
                                             const Dft16Lanes *fragments, int levels, const Value *in,
                                             float *grads) {
    switch (bits) {
        case 1: small_pass_adjoint<2, kInverse>(b.g, n, ns); return;
        case 2: small_pass_adjoint<4, kInverse>(b.g, n, ns); return;
        case 3: small_pass_adjoint<8, kInverse>(b.g, n, ns); return;
        default: break;
    }
    Buffers<Value> at = b;
    at.in = in;
    const Dft16Lanes *f = fragments + level, *a = fragments + levels + level;
    switch (bits) {
        case 4: pass16_adjoint<kInverse>(at, n, ns, a, grads + 512 * level); break;
        case 5:  // radix 32: its radix-2 step's adjoint, then its radix-16 level's
            small_pass_adjoint<2, kInverse>(b.g, n, 16 * ns);
            pass16_adjoint<kInverse>(at, n, ns, a, grads + 512 * level);
            break;
        case 7: pass16m_adjoint<8, kInverse>(at, n, ns, f, a, grads + 512 * level); break;
        default: pass16m_adjoint<16, kInverse>(at, n, ns, f, a, grads + 512 * level); break;
    }
}

// b.g, the gradient of transform_saving's output, becomes its input's; each level's matrix
// gradient added to grads ([levels][512]). fragments: P's then P^H's (load_fragments). kLogN as
// in transform_saving: sized, the passes from the last back, each a constant.
template <bool kInverse, int kLogN, int kDone = 0, int kLevel = 0, int kSaved = 0, typename Value>
__device__ __forceinline__ void transform_adjoint(const Buffers<Value> &b, int n, const Dft16Lanes *fragments,
                                                  int levels, const Value *saved, float *grads) {
    if constexpr (kLogN == 0) {
        const Passes p = passes_of(n);
        for (int i = p.count - 1; i >= 0; --i) {
            pass_adjoint<kInverse>(b, n, p.span[i], p.bits[i], p.level[i], fragments, levels,
                                   p.saved[i] >= 0 ? saved + static_cast<int64_t>(p.saved[i]) * n : nullptr, grads);
        }
    } else if constexpr (kDone < kLogN) {
        constexpr int kBits = pass_bits<true>(kLogN - kDone);
        transform_adjoint<kInverse, kLogN, kDone + kBits, kLevel + pass_levels(kBits), kSaved + (kBits >= 4 ? 1 : 0)>(
            b, n, fragments, levels, saved, grads);
        pass_adjoint<kInverse>(b, 1 << kLogN, 1 << kDone, kBits, kLevel, fragments, levels,
                               saved + kSaved * (1 << kLogN), grads);
    }
}

// The gradients of one bin of real_bin_products (StockhamButterfly.binProductBackward) for the
// product's gradient g: of zk, zp, k_lo and k_hi.
struct BinGrads {
    float2 zk, zp, k_lo, k_hi;
};

__device__ __forceinline__ BinGrads bin_product_backward(float2 zk, float2 zp, float2 w, float2 k_lo, float2 k_hi, float2 g) {
    using fb::cadd;
    using fb::conj;
    using fb::csub;
    const float2 e = make_float2(0.5f * (zk.x + zp.x), 0.5f * (zk.y - zp.y));
    const float2 o = cmul(w, make_float2(0.5f * (zk.y + zp.y), -0.5f * (zk.x - zp.x)));
    const float2 g_lo = cmul(conj(make_float2(1.0f + w.y, w.x)), g);   // (1 + i conj w) lo
    const float2 g_hi = cmul(conj(make_float2(1.0f - w.y, -w.x)), g);  // (1 - i conj w) hi
    const float2 g_plus = cmul(conj(k_lo), g_lo), g_minus = cmul(conj(k_hi), g_hi);
    const float2 g_e = cadd(g_plus, g_minus), g_o = csub(g_plus, g_minus);
    const float2 c = make_float2(0.5f * w.y, -0.5f * w.x);  // w / 2i
    const float2 c_go = cmul(conj(c), g_o), minus_c_go = cmul(make_float2(-c.x, -c.y), conj(g_o));
    return {make_float2(0.5f * g_e.x + c_go.x, 0.5f * g_e.y + c_go.y),
            make_float2(0.5f * g_e.x + minus_c_go.x, -0.5f * g_e.y + minus_c_go.y), cmul(conj(cadd(e, o)), g_lo),
            cmul(conj(csub(e, o)), g_hi)};
}

// The backward of real_row_products for one row (StockhamButterfly.product with a gradient): g
// holds the products' gradient, z the row's transform (unpadded); g becomes z's gradient and the spectrum's
// gradient is added to dk (n + 1 bins, the block's own). Each thread takes bins f and n - f
// (both products reach both). Ends with a barrier.
template <typename Value>
__device__ void product_adjoint(Value *g, const Value *z, int n, const float2 *__restrict__ k, float2 *dk) {
    using fb::cadd;
    using fb::conj;
    for (int f = threadIdx.x; f <= n / 2; f += blockDim.x) {
        const int fp = (n - f) & (n - 1);
        const float2 zi = fb::load_value(z, f), zp = fb::load_value(z, fp);
        const float2 k_lo = k[f], k_hi = k[n - f];
        const float2 w = fb::exact_root(f, 2 * n);  // W_2n^f
        BinGrads d = bin_product_backward(zi, zp, w, k_lo, f == 0 ? k_hi : conj(k_hi),
                                          fb::load_value(g, slot<Value>(f)));
        float2 at_f = d.zk, at_fp = d.zp, dk_f = d.k_lo, dk_partner = f == 0 ? d.k_hi : conj(d.k_hi);
        if (fp != f) {
            // W_2n^(n - f) = -conj(W_2n^f)
            d = bin_product_backward(zp, zi, make_float2(-w.x, w.y), k_hi, conj(k_lo), fb::load_value(g, slot<Value>(fp)));
            at_fp = cadd(at_fp, d.zk);
            at_f = cadd(at_f, d.zp);
            dk_partner = cadd(dk_partner, d.k_lo);
            dk_f = cadd(dk_f, conj(d.k_hi));
            fb::store_value(g, slot<Value>(fp), at_fp);
        } else {
            at_f = cadd(at_f, at_fp);
        }
        fb::store_value(g, slot<Value>(f), at_f);
        dk[f] = cadd(dk[f], dk_f);
        dk[n - f] = cadd(dk[n - f], dk_partner);
    }
    __syncthreads();
}

// Where a block's parts lie: the shared memory (two buffers of n values, both directions' level
// gradients summed over the block's rows, block_sum's scratch, for long sequences the
// fragments) and its own scratch in device memory (the saved pass inputs of both transforms and
// u's transform, the spectrum's gradient over its rows).
template <typename Value> struct Layout {
    int n, levels;
    __host__ __device__ size_t values() const { return values_bytes<Value>(n); }
    __host__ __device__ size_t grads() const { return 2 * values(); }
    __host__ __device__ size_t sums() const { return grads() + 2 * 512 * static_cast<size_t>(levels) * sizeof(float); }
    __host__ __device__ size_t fragments() const { return sums() + 32 * sizeof(float2); }
    // Long sequences' blocks copy both directions' fragments into shared memory: read through L1
    // they cost 4-5% at n = 8K and 16K, where the copy leaves as many blocks per SM.
    __host__ __device__ bool fragments_in_smem() const { return n >= 8192; }
    __host__ __device__ size_t smem() const {
        return fragments() + (fragments_in_smem() ? 4 * static_cast<size_t>(levels) * sizeof(Dft16Lanes) : 0);
    }
    __host__ __device__ size_t saved() const {
        return (static_cast<size_t>(2 * passes_of(n).learned + 1) * n * sizeof(Value) + 15) / 16 * 16;
    }
    __host__ __device__ size_t partials() const {
        return saved() + (static_cast<size_t>(n + 1) * sizeof(float2) + 15) / 16 * 16;
    }
    __host__ __device__ size_t scratch() const {  // the warps' partials (add_level_grad) where a block has several
        const int warps = block_threads(n) / 32;
        return partials() + (warps > 1 ? static_cast<size_t>(warps) * 512 * sizeof(float) : 0);
    }
};

// The block's fragments, count of them from prepared (the call's scratch): prepared itself, or
// where the layout keeps them in shared memory, its copy there (published by the caller's next
// barrier).
template <typename Value>
__device__ const Dft16Lanes *block_fragments(float4 *smem, const Layout<Value> &layout, const Dft16Lanes *prepared,
                                             int count) {
    if (!layout.fragments_in_smem()) return prepared;
    auto *local = reinterpret_cast<Dft16Lanes *>(reinterpret_cast<char *>(smem) + layout.fragments());
    constexpr int kQuads = sizeof(Dft16Lanes) / sizeof(uint4);
    static_assert(sizeof(Dft16Lanes) % sizeof(uint4) == 0);
    const auto *from = reinterpret_cast<const uint4 *>(prepared);
    auto *to = reinterpret_cast<uint4 *>(local);
    for (int i = threadIdx.x; i < count * kQuads; i += blockDim.x) to[i] = from[i];
    return local;
}

template <typename Value> __device__ Buffers<Value> buffers(float4 *smem, const Layout<Value> &layout, char *scratch) {
    char *base = reinterpret_cast<char *>(smem);
    return {reinterpret_cast<Value *>(base), reinterpret_cast<Value *>(base + layout.values()), nullptr,
            reinterpret_cast<float *>(scratch + layout.partials())};
}

template <typename Value> __device__ void zero(Value *x, size_t count) {
    for (size_t i = threadIdx.x; i < count; i += blockDim.x) x[i] = Value{};
}

// Adds count floats of from to to, atomically (other blocks add to the same).
__device__ __forceinline__ void add_to(float *to, const float *from, int count) {
    for (int i = threadIdx.x; i < count; i += blockDim.x) atomicAdd(to + i, from[i]);
}

// Sample t of the row packed in x.
template <typename Value> __device__ float unpacked(const Value *x, int64_t t) {
    const float2 v = fb::load_value(x, slot<Value>(static_cast<int>(t / 2)));
    return t % 2 == 0 ? v.x : v.y;
}

// du, dD and the level gradients, and the spectrum's gradient summed over the batch (into
// spectrum_grad), for the rows b = split, split + splits, ... of channel h (block h splits + split).
template <typename T, typename Value, bool kWide, int kLogN>
__global__ void FB_ONCHIP_BOUNDS(T, kWide) learned_backward_rows(
    const T *__restrict__ u, const T *__restrict__ dy, const float2 *__restrict__ spectrum,
    const float *__restrict__ d, T *__restrict__ du, float *dd, int64_t batch, int64_t channels, int64_t length, int n,
    const float *__restrict__ forward, const float *__restrict__ inverse, float *forward_grad, float *inverse_grad,
    int levels, int groups, int splits, const Dft16Lanes *all_fragments, float2 *spectrum_grad, char *scratch) {
    assume_sized_block<kLogN>();
    if constexpr (kLogN > 0) n = 1 << kLogN;
    extern __shared__ float4 smem[];
    const Layout<Value> layout{n, levels};
    auto *sums = reinterpret_cast<float2 *>(reinterpret_cast<char *>(smem) + layout.sums());
    const int64_t h = blockIdx.x / splits;
    const int64_t group = groups == 1 ? 0 : h;
    const Dft16Lanes *fragments = block_fragments(smem, layout, all_fragments + group * 4 * levels, 4 * levels);
    const Dft16Lanes *inverse_fragments = fragments + 2 * levels;
    char *mine = scratch + blockIdx.x * layout.scratch();
    const Buffers<Value> b = buffers(smem, layout, mine);
    const int learned = passes_of(n).learned;
    Value *saved_forward = reinterpret_cast<Value *>(mine);
    Value *saved_inverse = saved_forward + static_cast<int64_t>(learned) * n;
    Value *saved_z = saved_inverse + static_cast<int64_t>(learned) * n;
    auto *dk = reinterpret_cast<float2 *>(mine + layout.saved());
    auto *grads_forward = reinterpret_cast<float *>(reinterpret_cast<char *>(smem) + layout.grads());
    float *grads_inverse = grads_forward + 512 * levels;
    zero(dk, n + 1);
    zero(grads_forward, 2 * 512 * static_cast<size_t>(levels));
    const float2 *k = spectrum + h * (n + 1);
    const float skip = d != nullptr ? d[h] : 0.0f;
    float dd_part = 0.0f;
    for (int64_t row = blockIdx.x % splits; row < batch; row += splits) {
        const int64_t first = (row * channels + h) * length;
        __syncthreads();  // the last row's uses of the buffers are done
        pack_row(b.g, u + first, length, n);
        __syncthreads();
        transform_saving<false, kLogN>(b.g, n, fragments, saved_forward);
        save_values(b.g, saved_z, n);
        __syncthreads();  // every value saved before the products overwrite them (thread f writes bin n - f)
        real_row_products<1>(b.g, b.g, n, 1, 0, false, k, 0.0f, false, blockDim.x);
        __syncthreads();
        transform_saving<true, kLogN>(b.g, n, inverse_fragments, saved_inverse);
        pack_row(b.g, dy + first, length, n);
        __syncthreads();
        transform_adjoint<true, kLogN>(b, n, inverse_fragments, levels, saved_inverse, grads_inverse);
        product_adjoint(b.g, saved_z, n, k, dk);
        transform_adjoint<false, kLogN>(b, n, fragments, levels, saved_forward, grads_forward);
        for (int64_t t = threadIdx.x; t < length; t += blockDim.x) {
            const float g = fb::to_float(dy[first + t]);
            du[first + t] = fb::from_float<T>(unpacked(b.g, t) + skip * g);
            dd_part += g * fb::to_float(u[first + t]);
        }
    }
    __syncthreads();
    const float2 dd_sum = block_sum(make_float2(dd_part, 0.0f), sums);
    if (dd != nullptr && threadIdx.x == 0) atomicAdd(dd + h, dd_sum.x);
    add_to(reinterpret_cast<float *>(spectrum_grad + h * (n + 1)), reinterpret_cast<const float *>(dk), 2 * (n + 1));
    add_to(forward_grad + group * levels * 512, grads_forward, 512 * levels);
    add_to(inverse_grad + group * levels * 512, grads_inverse, 512 * levels);
}

// dk and the forward matrices' gradients from k's side: the spectrum's gradient (spectrum_grad,
// summed over the batch) back through learned_spectrum's split and k's forward transform, one
// channel per block (scratch: block h's of learned_backward_rows).
template <typename T, typename Value, bool kWide, int kLogN>
__global__ void FB_ONCHIP_BOUNDS(T, kWide) learned_spectrum_backward(
    const float *__restrict__ k, int64_t taps, int n, float *forward_grad, int levels, int groups,
    const Dft16Lanes *all_fragments, const float2 *spectrum_grad, float *__restrict__ dk, char *scratch) {
    assume_sized_block<kLogN>();
    if constexpr (kLogN > 0) n = 1 << kLogN;
    extern __shared__ float4 smem[];
    const Layout<Value> layout{n, levels};
    const int64_t h = blockIdx.x;
    const int64_t group = groups == 1 ? 0 : h;
    const Dft16Lanes *fragments = block_fragments(smem, layout, all_fragments + group * 4 * levels, 2 * levels);
    char *mine = scratch + blockIdx.x * layout.scratch();
    const Buffers<Value> b = buffers(smem, layout, mine);
    Value *saved = reinterpret_cast<Value *>(mine);
    auto *grads = reinterpret_cast<float *>(reinterpret_cast<char *>(smem) + layout.grads());
    zero(grads, 512 * static_cast<size_t>(levels));
    pack_row(b.g, k + h * taps, taps, n);
    __syncthreads();
    transform_saving<false, kLogN>(b.g, n, fragments, saved);
    // the split's backward (StockhamButterfly.splitBackward): bin f reaches z[f mod n] and
    // z[(n - f) mod n], so one thread takes bins f and n - f for f <= n / 2
    const float2 *gk = spectrum_grad + h * (n + 1);
    const float scale = 0.5f / static_cast<float>(n);
    auto add_bin = [&](int f, float2 &to_a, float2 &to_b) {
        const float2 e = make_float2(scale * gk[f].x, scale * gk[f].y);
        const float2 o = fb::cmul(fb::conj(fb::exact_root(f, 2 * n)), e);  // conj(W_2n^f) g / N
        to_a = fb::cadd(to_a, make_float2(0.5f * (e.x - o.y), 0.5f * (e.y + o.x)));
        to_b = fb::cadd(to_b, make_float2(0.5f * (e.x + o.y), 0.5f * (o.x - e.y)));
    };
    for (int f = threadIdx.x; f <= n / 2; f += blockDim.x) {
        float2 at_f = make_float2(0.0f, 0.0f), at_partner = make_float2(0.0f, 0.0f);  // z[f], z[(n - f) mod n]
        add_bin(f, at_f, at_partner);
        if (n - f != f) add_bin(n - f, at_partner, at_f);
        const int partner = (n - f) & (n - 1);
        if (partner == f) {
            fb::store_value(b.g, slot<Value>(f), fb::cadd(at_f, at_partner));
        } else {
            fb::store_value(b.g, slot<Value>(f), at_f);
            fb::store_value(b.g, slot<Value>(partner), at_partner);
        }
    }
    __syncthreads();
    transform_adjoint<false, kLogN>(b, n, fragments, levels, saved, grads);
    for (int64_t t = threadIdx.x; t < taps; t += blockDim.x) dk[h * taps + t] = unpacked(b.g, t);
    add_to(forward_grad + group * levels * 512, grads, 512 * levels);
}

// Blocks per channel (fb::row_splits): each block adds its sums to the outputs once, and its
// scratch grows the call's, so the fewest within a tenth of the least cost.
int64_t backward_splits(const fb::DeviceLimits &device, int64_t batch, int64_t channels, int n, size_t smem) {
    return fb::row_splits(batch, channels, fb::resident_blocks(device, block_threads(n), smem), 0.0, 0.1);
}

// The layout for n values of a bf16/fp16 sequence (float2 values below kCompactFrom).
template <typename Launch> auto by_values(int n, Launch launch) {
    return n < kCompactFrom ? launch(float2{}) : launch(__nv_bfloat162{});
}

constexpr int kMaxBackwardSequence = kMaxThreads * kValuesPerThread;  // one round per pass

constexpr size_t aligned(size_t bytes) { return (bytes + 255) / 256 * 256; }

// The call's scratch: the batch-summed spectrum gradient, every group's fragments
// (learned_backward_fragments), then the blocks' own parts.
size_t spectrum_grad_bytes(int64_t channels, int n) { return aligned(static_cast<size_t>(channels) * (n + 1) * sizeof(float2)); }

size_t fragments_bytes(int groups, int levels) {
    return aligned(static_cast<size_t>(groups) * 4 * levels * sizeof(Dft16Lanes));
}

}  // namespace

bool fb::learned_backward_fits(int n, int levels, int smem_limit) {
    if (n < 2 || n > kMaxBackwardSequence) return false;
    return by_values(n, [&](auto value) {
        return Layout<decltype(value)>{n, levels}.smem() <= static_cast<size_t>(smem_limit);
    });
}

namespace {

// Bytes of scratch for the call, 0 where the backward does not take n on this device.
size_t scratch_bytes(const fb::DeviceLimits &device, int64_t batch, int64_t channels, int n, int levels, int groups) {
    if (!fb::learned_backward_fits(n, levels, device.smem_limit)) return 0;
    return by_values(n, [&](auto value) -> size_t {
        const Layout<decltype(value)> layout{n, levels};
        return spectrum_grad_bytes(channels, n) + fragments_bytes(groups, levels) +
               static_cast<size_t>(channels * backward_splits(device, batch, channels, n, layout.smem())) * layout.scratch();
    });
}

template <typename T>
cudaError_t launch_learned_backward(const T *u, const T *dy, const float *k, int64_t taps, const float2 *spectrum,
                                    const float *d, T *du, float *dk, float *dd, float *forward_grad,
                                    float *inverse_grad, char *scratch, const fb::DeviceLimits &device, int64_t batch,
                                    int64_t channels, int64_t length, int n, const float *forward,
                                    const float *inverse, int levels, int groups, cudaStream_t stream) {
    auto *spectrum_grad = reinterpret_cast<float2 *>(scratch);
    auto *fragments = reinterpret_cast<Dft16Lanes *>(scratch + spectrum_grad_bytes(channels, n));
    char *blocks = scratch + spectrum_grad_bytes(channels, n) + fragments_bytes(groups, levels);
    const size_t matrices = static_cast<size_t>(groups) * levels * 512 * sizeof(float);
    cudaError_t status = cudaMemsetAsync(spectrum_grad, 0, static_cast<size_t>(channels) * (n + 1) * sizeof(float2), stream);
    if (status == cudaSuccess && matrices > 0) status = cudaMemsetAsync(forward_grad, 0, matrices, stream);
    if (status == cudaSuccess && matrices > 0) status = cudaMemsetAsync(inverse_grad, 0, matrices, stream);
    if (status == cudaSuccess && dd != nullptr) status = cudaMemsetAsync(dd, 0, channels * sizeof(float), stream);
    if (status != cudaSuccess) return status;
    learned_backward_fragments<<<groups, 128, 0, stream>>>(forward, inverse, levels, fragments);
    if ((status = cudaGetLastError()) != cudaSuccess) return status;
    return by_values(n, [&](auto value) {
        using Value = decltype(value);
        const Layout<Value> layout{n, levels};
        const int64_t splits = backward_splits(device, batch, channels, n, layout.smem());
        const int smem = static_cast<int>(layout.smem());
        auto run = [&](auto wide) {
            constexpr bool kWide = decltype(wide)::value;
            // bf16 values: compiled for their size (a runtime loop over every pass kind spilled
            // 1.6 KB per thread); shorter sequences, float2 values, for any size
            // every kLogN's type, named by a form that is built (naming one that is not warns)
            constexpr int kBuilt = std::is_same_v<Value, __nv_bfloat162> ? fb::kSizedFrom<kWide, 1> : 0;
            using Rows = decltype(&learned_backward_rows<T, Value, kWide, kBuilt>);
            using Spectrum = decltype(&learned_spectrum_backward<T, Value, kWide, kBuilt>);
            Rows rows = nullptr;
            Spectrum spectrum_backward = nullptr;
            if constexpr (std::is_same_v<Value, __nv_bfloat162>) {
                rows = fb::sized<kWide, 1>(n, [](auto log_n) -> Rows {
                    return learned_backward_rows<T, Value, kWide, decltype(log_n)::value>;
                });
                spectrum_backward = fb::sized<kWide, 1>(n, [](auto log_n) -> Spectrum {
                    return learned_spectrum_backward<T, Value, kWide, decltype(log_n)::value>;
                });
            } else {
                rows = learned_backward_rows<T, Value, kWide, 0>;
                spectrum_backward = learned_spectrum_backward<T, Value, kWide, 0>;
            }
            if (rows == nullptr || spectrum_backward == nullptr) return cudaErrorInvalidValue;
            cudaError_t launched = fb::launch_reserved(rows, channels * splits, block_threads(n), smem, true, stream, u,
                                                       dy, spectrum, d, du, dd, batch, channels, length, n, forward,
                                                       inverse, forward_grad, inverse_grad, levels, groups,
                                                       static_cast<int>(splits), fragments, spectrum_grad, blocks);
            if (launched != cudaSuccess) return launched;
            return fb::launch_reserved(spectrum_backward, channels, block_threads(n), smem, true, stream, k, taps, n,
                                       forward_grad, levels, groups, static_cast<const Dft16Lanes *>(fragments),
                                       static_cast<const float2 *>(spectrum_grad), dk, blocks);
        };
        if constexpr (std::is_same_v<Value, float2>) {
            return run(std::false_type{});  // below kCompactFrom: narrow blocks only
        } else {
            return wide_block(n) ? run(std::true_type{}) : run(std::false_type{});
        }
    });
}

// The scratch a call of this shape needs on the current device (device filled in), 0 where the
// backward does not take it.
size_t call_scratch(fb::DeviceLimits &device, int64_t batch, int64_t channels, int64_t fft_size, int levels, int groups) {
    if (batch < 1 || channels < 1 || (groups != 1 && groups != channels) || fft_size < 4 || fft_size > 2 * kMaxBackwardSequence ||
        (fft_size & (fft_size - 1)) != 0 || fb_learned_levels(fft_size) != levels || !fb::current_device_limits(device)) {
        return 0;
    }
    return scratch_bytes(device, batch, channels, static_cast<int>(fft_size / 2), levels, groups);
}

}  // namespace

extern "C" FB_API cudaError_t fb_learned_backward_scratch_bytes(int64_t batch, int64_t channels, int64_t fft_size,
                                                                int levels, int groups, size_t *bytes) {
    fb::DeviceLimits device;
    if (bytes == nullptr) return cudaErrorInvalidValue;
    *bytes = call_scratch(device, batch, channels, fft_size, levels, groups);
    return *bytes > 0 ? cudaSuccess : cudaErrorInvalidValue;
}

extern "C" FB_API cudaError_t fb_onchip_conv_learned_backward(
    const void *u, const void *dy, const float *k, int64_t taps, const float *spectrum, const float *d, void *du,
    float *dk, float *dd, float *forward_grad, float *inverse_grad, void *scratch, fb_dtype dtype, int64_t batch,
    int64_t channels, int64_t length, int64_t fft_size, const float *forward, const float *inverse, int levels,
    int groups, cudaStream_t stream) {
    fb::DeviceLimits device;
    if (u == nullptr || dy == nullptr || k == nullptr || spectrum == nullptr || du == nullptr || dk == nullptr ||
        forward == nullptr || inverse == nullptr || forward_grad == nullptr || inverse_grad == nullptr ||
        scratch == nullptr || (d == nullptr) != (dd == nullptr) || (dtype != FB_BF16 && dtype != FB_FP16) ||
        length < 1 || length > fft_size || taps < 1 || taps > fft_size ||
        reinterpret_cast<uintptr_t>(forward) % 8 != 0 || reinterpret_cast<uintptr_t>(inverse) % 8 != 0 ||
        reinterpret_cast<uintptr_t>(scratch) % 256 != 0 || call_scratch(device, batch, channels, fft_size, levels, groups) == 0) {
        return cudaErrorInvalidValue;
    }
    const int n = static_cast<int>(fft_size / 2);
    cudaError_t status = cudaErrorInvalidValue;
    fb::dispatch_dtype(dtype, [&](auto t) {
        using T = decltype(t);
        if constexpr (fb::kUsesTensorCores<T>) {
            status = launch_learned_backward(static_cast<const T *>(u), static_cast<const T *>(dy), k, taps,
                                             reinterpret_cast<const float2 *>(spectrum), d, static_cast<T *>(du), dk,
                                             dd, forward_grad, inverse_grad, static_cast<char *>(scratch), device,
                                             batch, channels, length, n, forward, inverse, levels, groups, stream);
        }
    });
    return status;
}
