#!/bin/bash
# usage: cmp-tmp.sh N "ENV1" "ENV2" ...   alternates configs N times; prints mean median and mean of epochs 1-4 and 6-9
N=$1; shift
for i in $(seq $N); do for c in "$@"; do echo "$c|$(env $c $XENV node ep-tmp.mjs)"; done; done | python3 -c '
import sys,collections
d=collections.defaultdict(list)
for l in sys.stdin:
    c,r=l.rstrip().split("|"); parts=r.split(); rates=[float(x) for x in parts[:parts.index("median")]]; med=float(parts[-1])
    d[c].append((med,rates))
for c,v in d.items():
    n=len(v); print(f"{c:40s} median {sum(m for m,_ in v)/n/1000:6.1f}k  ep1-4 {sum(sum(r[1:5])/len(r[1:5]) for _,r in v)/n:6.1f}k  ep6-9 {sum(sum(r[6:10] or [0])/max(1,len(r[6:10])) for _,r in v)/n:6.1f}k  meds {[round(m/1000) for m,_ in v]}")
'
