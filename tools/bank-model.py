#!/usr/bin/env python3
"""Shared-memory bank model of the on-chip kernels' bf16 values (cuda/src/onchip_kernels.cuh).

Every warp instruction of a transform's passes (dft16_mma.cuh's tensor-core passes and the small
fp32 ones), of the loads and stores of u and y and of the spectrum products touches 32 values;
stored as bf16 pairs, each value is one 4-byte bank word. This script repeats each access's index
formula per lane, maps it through a padding slot(i) = i + sum c * (i >> s), and counts the
wavefronts of the request (the most distinct words any one of the 32 banks serves). It is how
the bf16 padding in slot<Value> was chosen: it reproduces the replay share Nsight Compute counts
(results 2026-12-06m and 06n) and ranks paddings without a GPU.

  tools/bank-model.py                       wavefronts per request for the old and the current padding
  tools/bank-model.py --terms 5:5,1:8       the same for the padding i + 5 (i >> 5) + (i >> 8)
  tools/bank-model.py --search              the best one- and two-term paddings over all sizes (slow)

The formulas mirror the kernels as of commit ec8971a: keep them in step when a pass changes.
"""
import argparse
import itertools

LANES = [(lane >> 2, lane & 3) for lane in range(32)]  # (g, t) of mma.m16n8k16's fragment layout


def pass_bits(bits):  # onchip_kernels.cuh pass_bits<true>
    if bits in (7, 11, 14):
        return 7
    if bits >= 8:
        return 8
    return 5 if bits == 5 else min(bits, 4)


def passes(log_n):
    done, out = 0, []
    while done < log_n:
        bits = pass_bits(log_n - done)
        out.append((bits, 1 << done))
        done += bits
    return out


def block_threads(n):
    return max(32, min(1024, n // 16))


def pass_requests(n, ns, bits):
    """Index lists (None: an idle lane) of one warp's loads, then its stores, in a pass; a
    column's part of every index is shared by the warp, so one column stands for all."""
    if bits in (7, 8):  # stockham_pass16m_mma: kM = 8 or 16
        m = 8 if bits == 7 else 16
        radix, count = 16 * m, n // (16 * m)
        column, k = 0, 0
        for tile in range(m // 8):
            for q in range(4):
                yield [column + count * (m * (2 * t + (q & 1) + 8 * (q >> 1)) + g + 8 * tile) for g, t in LANES]
            for e in range(4):
                yield [(column - k) * radix + k + ns * (g + 8 * (e >> 1) + 16 * (2 * t + (e & 1) + 8 * tile))
                       for g, t in LANES]
    elif bits == 5:  # stockham_pass32_mma
        count = n // 32
        for q in range(4):
            yield [(g >> 1) + count * (2 * (2 * t + (q & 1) + 8 * (q >> 1)) + (g & 1)) if g >> 1 < count else None
                   for g, t in LANES]
        for half, high in itertools.product(range(2), range(2)):
            yield [(t - (t & (ns - 1))) * 32 + (t & (ns - 1)) + (g + 8 * half + 16 * high) * ns if t < count else None
                   for g, t in LANES]
    elif bits == 4:  # stockham_pass16_mma
        count = n // 16
        for q in range(4):
            yield [g + count * (2 * t + (q & 1) + 8 * (q >> 1)) if g < count else None for g, t in LANES]
        for e in range(4):
            idx = []
            for g, t in LANES:
                j = 2 * t + (e & 1)
                k = j & (ns - 1)
                idx.append((j - k) * 16 + k + (g + 8 * (e >> 1)) * ns if j < count else None)
            yield idx
    else:  # stockham_pass of radix 2, 4 or 8: one column per lane
        radix = 1 << bits
        count = n // radix
        for r in range(radix):
            yield [lane + r * count if lane < count else None for lane in range(32)]
        for p in range(radix):
            rev = int(format(p, '0%db' % bits)[::-1], 2)
            yield [(lane - (lane & (ns - 1))) * radix + (lane & (ns - 1)) + rev * ns if lane < count else None
                   for lane in range(32)]


def requests(n, real):
    """(weight, indices): weight in warp instructions per block, for both transforms, the loads
    and stores of the rows and the spectrum products (real: one row, else two rows per block)."""
    out = []
    for bits, ns in passes(n.bit_length() - 1):
        lists = list(pass_requests(n, ns, bits))
        out += [(2 * 2 * (n / 32) / len(lists), idx) for idx in lists]  # loads and stores, forward and inverse
    w = n / 32
    if real:
        out += [(w / 2, [2 * lane + i for lane in range(32)]) for i in range(2)] * 2
        out += [(w / 2, list(range(32))), (w / 2, [(n - lane) & (n - 1) for lane in range(32)])] * 2
    else:
        out += [(w / 4, [4 * lane + i for lane in range(32)]) for i in range(4)] * 2
        out += [(w, list(range(32)))] * 2
    return out


def padding(terms):
    return lambda i: i + sum(c * (i >> s) for c, s in terms)


def wavefronts(slots):
    banks = {}
    for s in slots:
        if s is not None:
            banks.setdefault(s % 32, set()).add(s)
    return max((len(words) for words in banks.values()), default=1)


def per_request(n, terms):
    """Wavefronts per request at n, the one-row and two-rows forms averaged."""
    slot = padding(terms)
    total = 0.0
    for real in (False, True):
        reqs = requests(n, real)
        total += sum(w * wavefronts([None if i is None else slot(i) for i in idx]) for w, idx in reqs) / sum(
            w for w, _ in reqs)
    return total / 2


def overhead(n, terms):
    slot = padding(terms)
    values = {slot(i) for i in range(n)}
    return None if len(values) != n else (max(values) + 1) / n


SIZES = [1 << b for b in range(8, 16)]


def show(name, terms):
    print('%-28s %s' % (name, ' '.join('%5.2f' % per_request(n, terms) for n in SIZES)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--terms', help='c:s,c:s,... for i + c (i >> s) + ...')
    parser.add_argument('--search', action='store_true', help='rank one- and two-term paddings (about a quarter of an hour)')
    args = parser.parse_args()
    print('%-28s %s' % ('padding \\ n', ' '.join('%5d' % n for n in SIZES)))
    if args.terms:
        show(args.terms, [tuple(int(x) for x in term.split(':')) for term in args.terms.split(',')])
        return
    show('old: 1:4,1:8', [(1, 4), (1, 8)])
    show('current: 5:5,1:8', [(5, 5), (1, 8)])
    if args.search:
        single = [(c, s) for c in range(1, 17) for s in range(2, 14)]
        ranked = []
        for count in (1, 2):
            for terms in itertools.combinations(single, count):
                if len({s for _, s in terms}) < count or max((overhead(n, terms) or 9) for n in (256, 32768)) > 1.3:
                    continue
                ranked.append((sum(per_request(n, terms) for n in SIZES), terms))
        for _, terms in sorted(ranked)[:10]:
            show(','.join('%d:%d' % t for t in terms), terms)


if __name__ == '__main__':
    main()
