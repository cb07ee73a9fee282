# A textbook page-replacement simulator in pure Python, in the style of OSTEP's paging-policy.py
# (a list of resident pages, `in` to find a hit, FIFO pops the oldest, LRU moves a hit to the end):
# the reference the sweep bench (bench/index.ts) runs side by side with `ntmm sweep --trace` on
# the same page list. Not shipped: a yardstick, run only when python3 is on the machine.
#
#   python3 textbook.py <pages.txt> --frames 60 --policy FIFO|LRU
# prints one JSON line: { policy, frames, references, faults, seconds } (seconds: the simulation,
# the file read included, as ntmm's figure includes its own).
import argparse
import json
import time


def simulate(references, frames, policy):
    memory = []
    faults = 0
    for page in references:
        if page in memory:
            if policy == 'LRU':
                memory.remove(page)
                memory.append(page)
            continue
        faults += 1
        if len(memory) == frames:
            memory.pop(0)
        memory.append(page)
    return faults


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('file')
    parser.add_argument('--frames', type=int, required=True)
    parser.add_argument('--policy', choices=['FIFO', 'LRU'], required=True)
    options = parser.parse_args()
    started = time.perf_counter()
    with open(options.file) as text:
        references = [int(line) for line in text if line.strip() != '']
    faults = simulate(references, options.frames, options.policy)
    seconds = time.perf_counter() - started
    print(json.dumps({'policy': options.policy, 'frames': options.frames, 'references': len(references),
                      'faults': faults, 'seconds': seconds}))


main()
