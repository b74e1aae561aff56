#!/usr/bin/env python3
# tools/sched_conc.py — how much of a build two cores could have been busy,
# from a scheduler trace: at every instant, how many of the process's
# threads run or wait for a core (a thread switched out in state R is
# runnable until it runs again; one switched out sleeping is not).  Time
# with one runnable thread is a core idle on a quiet host, whatever the
# load when traced; "alone" says which thread it was.
#
#   perf sched record -o S -- zhs index -q -o D ../shared/corpus/laws
#   perf sched timehist -i S --state > S.txt
#   bench/tools/sched_conc.py S.txt zhs [SLICE_SECONDS]
import sys,re,collections
# threads running or runnable (a thread switched out in state R is runnable until it runs again)
f,comm=sys.argv[1],sys.argv[2]
iv=collections.defaultdict(list); prev={}
for l in open(f):
    p=l.split()
    if len(p)<7 or comm not in p[2]: continue
    try: t=float(p[0]); wait=float(p[3])/1e3; dly=float(p[4])/1e3; run=float(p[5])/1e3
    except: continue
    tid=re.search(r'\[(\d+)',p[2]).group(1)
    start=t-run-dly
    if prev.get(tid)=='R': start=t-run-dly-wait
    iv[tid].append((start,t)); prev[tid]=p[6]
ev=[]
for tid,xs in iv.items():
    for a,b in xs: ev.append((a,1,tid)); ev.append((b,-1,tid))
ev.sort()
t0=ev[0][0]; cnt=0; last=t0; acc=collections.Counter(); single=collections.Counter(); active=collections.Counter()
B=float(sys.argv[3]) if len(sys.argv)>3 else 1e9
bk=collections.defaultdict(collections.Counter)
for t,d,tid in ev:
    dt=t-last
    if dt>0:
        k=min(cnt,2); acc[k]+=dt; bk[int((last-t0)/B)][k]+=dt
        if cnt==1: single[next(x for x,v in active.items() if v>0)]+=dt
    active[tid]+=d; cnt+=d; last=t
tot=sum(acc.values())
print('span %.3f s: 0 runnable %.3f, 1 runnable %.3f, >=2 %.3f'%(tot,acc[0],acc[1],acc[2]))
print('alone:',', '.join('%s %.3f'%(k,v) for k,v in single.most_common(8)))
if B<1e9:
    for b in sorted(bk): print('%5.2f  0:%.3f 1:%.3f 2+:%.3f'%(b*B,bk[b][0],bk[b][1],bk[b][2]))
