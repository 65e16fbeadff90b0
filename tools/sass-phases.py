#!/usr/bin/env python3
"""Static SASS of one kernel, split at its barriers: instructions per phase, by opcode.

The on-chip kernels compiled for their size (kLogN > 0) are straight-line code between barriers
(each pass's loads, its products and its stores), so the static count of a phase is close to
what each thread executes there: a way to compare two builds' instruction counts per phase
without a GPU. Needs cuobjdump from the CUDA toolkit (any host; no GPU).

  cuobjdump -sass libflashbutterfly.so > lib.sass      (or an object / cubin built with nvcc -cubin)
  tools/sass-phases.py lib.sass onchip_convI13__nv_bfloat16   one kernel (the first whose name contains it)
  tools/sass-phases.py lib.sass NAME --print 3                    phase 3's instructions themselves

A phase ends with a BAR instruction; branches both ways are counted (the zero-padding and the
data paths of a load loop, for instance), so a phase with a branch counts more than one thread runs.
"""
import argparse
import collections
import re

INSTRUCTION = re.compile(r'\s+/\*[0-9a-f]{4,}\*/\s+(.*?);')
PREDICATE = re.compile(r'^@!?U?P\w+\s+')


def kernel_instructions(path, name):
    """The instructions of the first function whose name contains name."""
    found, lines = False, []
    with open(path) as sass:
        for line in sass:
            if 'Function : ' in line:
                if found:
                    break
                found = name in line
                continue
            match = INSTRUCTION.match(line) if found else None
            if match:
                lines.append(match.group(1).strip())
    if not found:
        raise SystemExit(f'no function whose name contains {name!r} in {path}')
    return lines


def opcode(instruction):
    return PREDICATE.sub('', instruction).split()[0]


def phases(instructions):
    split = [[]]
    for instruction in instructions:
        split[-1].append(instruction)
        if opcode(instruction).startswith('BAR'):
            split.append([])
    return [phase for phase in split if phase]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('sass', help='cuobjdump -sass output')
    parser.add_argument('kernel', help='a substring of the kernel\'s mangled name')
    parser.add_argument('--print', type=int, metavar='PHASE', help='print that phase\'s instructions')
    parser.add_argument('--top', type=int, default=12, help='opcodes shown per phase (default 12)')
    args = parser.parse_args()
    split = phases(kernel_instructions(args.sass, args.kernel))
    if args.print is not None:
        print('\n'.join(split[args.print]))
        return
    for index, phase in enumerate(split):
        counts = collections.Counter(opcode(i).split('.')[0] for i in phase)
        top = ', '.join(f'{op} {n}' for op, n in counts.most_common(args.top))
        print(f'phase {index:2d}: {len(phase):5d} | {top}')
    print(f'total {sum(len(p) for p in split)}')


if __name__ == '__main__':
    main()
