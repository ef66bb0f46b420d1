# SPDX-License-Identifier: BSD-3-Clause
# Request/response plot from devtools/rr-bench.sh: run in its output directory
# after `rr.py summary` wrote rr.dat (one block per forwarder and mode).
set terminal pngcairo size 1200,420 font ",10" noenhanced
set output "rr.png"
set grid
set key top left
set logscale x
set xlabel "requests / s"
names = "dw-testpmd/poll dw-testpmd/interrupt dw-testpmd/adaptive dpdk-testpmd linux-bridge"
set multiplot layout 1,3 title "UDP request/response between two namespaces (median of reps)"
set logscale y
set ylabel "RTT (us)"
set title "p50 RTT"
plot for [i=0:4] "rr.dat" index i using 1:2 with linespoints lw 2 title word(names, i + 1)
set title "p99 RTT"
plot for [i=0:4] "rr.dat" index i using 1:3 with linespoints lw 2 title word(names, i + 1)
unset logscale y
set ylabel "% of one CPU"
set title "forwarder CPU (all its threads)"
plot for [i=0:3] "rr.dat" index i using 1:5 with linespoints lw 2 title word(names, i + 1)
unnames = "dw-testpmd/poll dw-testpmd/interrupt dw-testpmd/adaptive dpdk-testpmd linux-bridge"
set multiplot
