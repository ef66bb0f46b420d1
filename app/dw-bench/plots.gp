# SPDX-License-Identifier: BSD-3-Clause
# Plots of dw-bench summaries; run in the output directory after
# `report.py --summaries` (devtools/bench.sh does both).
set terminal pngcairo size 900,540 font ",10" noenhanced
set key outside right top
set grid
# Ten distinguishable line types, in the executors' order (dwork ones last).
set linetype 1 lc rgb "#984ea3" pt 1
set linetype 2 lc rgb "#4daf4a" pt 2
set linetype 3 lc rgb "#377eb8" pt 3
set linetype 4 lc rgb "#ff7f00" pt 4
set linetype 5 lc rgb "#a6761d" pt 5
set linetype 6 lc rgb "#666666" pt 6
set linetype 7 lc rgb "#e41a1c" pt 7 lw 3
set linetype 8 lc rgb "#f781bf" pt 8 dt 2
set linetype 9 lc rgb "#000000" pt 9 dt 3
set linetype 10 lc rgb "#17becf" pt 10
set linetype cycle 10

# A partial run (dw-bench --only) leaves some data files out: plot what is there.
have(f) = int(system("test -s " . f . " && echo 1 || echo 0"))

# Scenario 1: makespan / ideal vs sleep/CPU ratio, one line per executor.
if (have("s1_ratio.dat")) {
set output "s1_makespan.png"
set title "Scenario 1: 200 items of 1 ms CPU then sleep; makespan / ideal (median)"
set xlabel "sleep / CPU ratio"
set ylabel "makespan / ideal (log)"
set logscale xy
plot for [i=2:*] "s1_ratio.dat" using 1:i with linespoints lw 2 lt (i - 1) title columnheader(i)

set output "s1_threads.png"
set title "Scenario 1: peak threads (dwork: pool workers)"
set ylabel "peak threads (log)"
plot for [i=2:*] "s1_threads.dat" using 1:i with linespoints lw 2 lt (i - 1) title columnheader(i)
}
unset logscale

# Scenarios 3 and 4: latency CDF of the short items, all repetitions pooled.
set logscale x
set xlabel "latency of short items, ms (log)"
set ylabel "percentile"
set yrange [0:100]
set key outside right top
if (have("s3_cdf.dat")) {
set output "s3_cdf.png"
set title "Scenario 3: latency CDF of short items (1% of items block 50 ms)"
plot for [i=2:*] "s3_cdf.dat" using i:1 with lines lw 2 lt (i - 1) title columnheader(i)
}
if (have("s4_cdf.dat")) {
set output "s4_cdf.png"
set title "Scenario 4: latency CDF of short items (2N CPU hogs queued first)"
plot for [i=2:*] "s4_cdf.dat" using i:1 with lines lw 2 lt (i - 1) title columnheader(i)
}
unset logscale
set yrange [*:*]

# Scenarios 3 and 4: p50 / p99 latency of the short items, per executor.
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set xtics rotate by -30
set logscale y
set xlabel ""
set ylabel "latency, ms (log)"
if (have("s3_lat.dat")) {
set output "s3_latency.png"
set title "Scenario 3: 50 us items, 1% block 50 ms, ~5 kHz Poisson; latency of short items"
plot "s3_lat.dat" using 2:xtic(1) title "p50", "" using 3 title "p99"
}
if (have("s4_lat.dat")) {

set output "s4_latency.png"
set title "Scenario 4: 2N CPU hogs first, then 50 us items at ~1 kHz; latency of short items"
plot "s4_lat.dat" using 2:xtic(1) title "p50", "" using 3 title "p99"
}
if (have("lcore_lat.dat")) {

set output "lcore_latency.png"
set title "BH lane vs rte_ring / eventfd: queue-to-run latency"
set ylabel "latency, us (log)"
plot "lcore_lat.dat" using 2:xtic(1) title "p50", "" using 3 title "p99"
}
