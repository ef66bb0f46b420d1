/* SPDX-License-Identifier: BSD-3-Clause */
/* dw-testpmd application options (after EAL's "--") and --help. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "testpmd.h"

struct tp_conf tp_conf = {
	.nb_rxq = 1,
	.nb_rxd = 512,
	.nb_txd = 512,
	.burst = TP_DFL_BURST,
	.engine = TP_FWD_IO,
	.topology = TP_TOPO_PAIRED,
	.mode = DW_NAPI_MODE_POLL,
	.txpkts = 64,
	.flows = 64,
	.auto_start = true,
	.fw_sleep_ms = 50,
};

int
tp_mode_parse(const char *s, enum dw_napi_mode *m)
{
	unsigned int i;

	for (i = 0; i < DW_NAPI_MODE_MAX; i++)
		if (strcmp(s, dw_napi_mode_name((enum dw_napi_mode)i)) == 0) {
			*m = (enum dw_napi_mode)i;
			return 0;
		}
	return -EINVAL;
}

void
tp_usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s [EAL options] -- [options]\n"
		"\n"
		"EAL options are those of every DPDK application (-l, --lcores, --vdev,\n"
		"-a, --no-huge, -m, --file-prefix...; dpdk-testpmd --help lists them).\n"
		"\n"
		"Ports: every ethdev port EAL probed (--vdev=..., PCI devices bound to vfio-pci)\n"
		"plus the devices named with --port, all opened through dwork's lib/netdev.\n"
		"Ports are paired 0<->1, 2<->3 (see --port-topology). Every rx queue is a\n"
		"stream; streams go round-robin to the forwarding lcores unless --config says\n"
		"otherwise. Each forwarding lcore has its own tx queue on every port.\n"
		"\n"
		"Options:\n"
		"  -h, --help               this text\n"
		"  -i, --interactive        run the prompt (forwarding starts with 'start')\n"
		"  -a, --auto-start         start forwarding at once even with -i\n"
		"  --port=DEVARGS           open one more device through dw_netdev_open()\n"
		"                           (repeatable), e.g. --port=net_ring0\n"
		"  --rxq=N                  rx queues per port (1..%d; default 1)\n"
		"  --rxd=N, --txd=N         descriptors per rx / tx queue (default 512)\n"
		"  --burst=N                packets per rx/tx burst (1..%d; default %d)\n"
		"  --total-num-mbufs=N      mbufs in the pool (default: sized from the queues)\n"
		"  --nb-cores=N             forwarding lcores (default: every EAL worker lcore)\n"
		"  --config=(P,Q,L)[,...]   map rx queue Q of port index P to lcore L\n"
		"                           (l3fwd style; default: round-robin)\n"
		"  --forward-mode=ENGINE    io | mac | macswap | rxonly | txonly | flowgen\n"
		"                           (default io)\n"
		"  --port-topology=T        paired | chained | loop (default paired)\n"
		"  --txpkts=BYTES           size of generated frames (60..2048; default 64)\n"
		"  --tx-rate=PPS            generated packets/s over all lcores (default: max)\n"
		"  --tx-duration=SECONDS    generate for this long, then idle (default: always)\n"
		"  --tx-first               send a burst on every port when forwarding starts\n"
		"                           (io/mac/macswap on ports that loop, e.g. net_ring)\n"
		"  --flows=N                flowgen: flows (UDP ports and IPs varied; default 64)\n"
		"  --rx-mode=MODE           poll | interrupt | adaptive (default poll);\n"
		"                           change at run time with 'set rx-mode'\n"
		"  --spin-us=US             adaptive: busy-poll window after an rx wake until\n"
		"                           one is learned from the traffic (default %d)\n"
		"  --busy-poll-budget=US    adaptive: longest busy-poll window after an rx\n"
		"                           wake, the lcore's latency budget (1..%d;\n"
		"                           default %d)\n"
		"  --no-rx-intr             do not ask ports for rx interrupts (sleep ramp)\n"
		"  --no-lsc                 do not ask ports for link-change interrupts\n"
		"  --stats-period=SECONDS   print port and lcore rates every SECONDS\n"
		"  --duration=SECONDS       stop and exit after SECONDS (also SIGINT/SIGTERM)\n"
		"  --slow-work              run sleeping control work on workqueues while\n"
		"                           forwarding: stats export on delayed work and a\n"
		"                           simulated firmware command\n"
		"  --stats-file=PATH        --slow-work export file (default\n"
		"                           /tmp/dw-testpmd-<pid>.stats)\n"
		"  --fw-sleep-ms=MS         --slow-work firmware command sleep (default 50)\n"
		"\n"
		"Exit status: 0 on a clean run; 1 on start-up errors; 2 on bad arguments;\n"
		"3 when mbufs were missing from the pool at exit.\n",
		prog, TP_MAX_QUEUES, TP_MAX_BURST, TP_DFL_BURST, DW_NAPI_DFL_SPIN_US,
		DW_NAPI_MAX_BUSY_POLL_BUDGET_US, DW_NAPI_DFL_BUSY_POLL_BUDGET_US);
}

/* Strict unsigned parse of the whole string into [min, max]. */
static int
parse_uint(const char *opt, const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (*s == '\0' || *s == '-' || *end != '\0' || errno != 0 || v < min || v > max) {
		fprintf(stderr, "dw-testpmd: --%s: '%s' is not a number in %lu..%lu\n", opt, s, min,
			max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int
parse_seconds(const char *opt, const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno != 0 || !(v >= 0) || v > 1e7) {
		fprintf(stderr, "dw-testpmd: --%s: '%s' is not a number of seconds >= 0\n", opt, s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/*
 * One decimal number below @p limit, blanks around it, then @p sep: *pp moves
 * past the separator. No sign, no overflow (strtoul's ERANGE), no wrap.
 */
static int
config_num(const char **pp, char sep, unsigned long limit, unsigned int *out)
{
	const char *p = *pp;
	unsigned long v;
	char *end;

	while (*p == ' ')
		p++;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(p, &end, 10);
	if (errno != 0 || v >= limit)
		return -EINVAL;
	while (*end == ' ')
		end++;
	if (*end != sep)
		return -EINVAL;
	*out = (unsigned int)v;
	*pp = end + 1;
	return 0;
}

/* "(P,Q,L),(P,Q,L)..." */
static int
parse_config(const char *s)
{
	const char *p = s;

	tp_conf.nb_map = 0;
	while (*p != '\0') {
		unsigned int port, queue, lcore;
		int n = 0;

		if (tp_conf.nb_map == TP_MAX_STREAMS)
			goto bad;
		/* Numbers read by hand: sscanf's %u wraps 4294967296 to port 0. */
		if (sscanf(p, " (%n", &n) != 0 || n == 0)
			goto bad;
		p += n;
		if (config_num(&p, ',', TP_MAX_PORTS, &port) < 0 ||
		    config_num(&p, ',', TP_MAX_QUEUES, &queue) < 0 ||
		    config_num(&p, ')', RTE_MAX_LCORE, &lcore) < 0)
			goto bad;
		n = 0;
		if (sscanf(p, " %n", &n) == 0)
			p += n;
		tp_conf.map[tp_conf.nb_map++] = (struct tp_map){ port, queue, lcore };
		if (*p == ',')
			p++;
		else if (*p != '\0')
			goto bad;
	}
	if (tp_conf.nb_map == 0)
		goto bad;
	return 0;
bad:
	fprintf(stderr,
		"dw-testpmd: --config: '%s' is not a list of (port,queue,lcore) with port < %d, "
		"queue < %d\n",
		s, TP_MAX_PORTS, TP_MAX_QUEUES);
	return -EINVAL;
}

enum {
	OPT_PORT = 256,
	OPT_RXQ,
	OPT_RXD,
	OPT_TXD,
	OPT_BURST,
	OPT_MBUFS,
	OPT_NB_CORES,
	OPT_CONFIG,
	OPT_FWD,
	OPT_TOPO,
	OPT_TXPKTS,
	OPT_TX_RATE,
	OPT_TX_DURATION,
	OPT_FLOWS,
	OPT_TX_FIRST,
	OPT_RX_MODE,
	OPT_SPIN,
	OPT_BUSY_POLL_BUDGET,
	OPT_NO_RX_INTR,
	OPT_NO_LSC,
	OPT_STATS_PERIOD,
	OPT_DURATION,
	OPT_SLOW_WORK,
	OPT_STATS_FILE,
	OPT_FW_SLEEP,
};

static const struct option long_opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "interactive", no_argument, NULL, 'i' },
	{ "auto-start", no_argument, NULL, 'a' },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "rxq", required_argument, NULL, OPT_RXQ },
	{ "rxd", required_argument, NULL, OPT_RXD },
	{ "txd", required_argument, NULL, OPT_TXD },
	{ "burst", required_argument, NULL, OPT_BURST },
	{ "total-num-mbufs", required_argument, NULL, OPT_MBUFS },
	{ "nb-cores", required_argument, NULL, OPT_NB_CORES },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "forward-mode", required_argument, NULL, OPT_FWD },
	{ "port-topology", required_argument, NULL, OPT_TOPO },
	{ "txpkts", required_argument, NULL, OPT_TXPKTS },
	{ "tx-rate", required_argument, NULL, OPT_TX_RATE },
	{ "tx-duration", required_argument, NULL, OPT_TX_DURATION },
	{ "flows", required_argument, NULL, OPT_FLOWS },
	{ "tx-first", no_argument, NULL, OPT_TX_FIRST },
	{ "rx-mode", required_argument, NULL, OPT_RX_MODE },
	{ "spin-us", required_argument, NULL, OPT_SPIN },
	{ "busy-poll-budget", required_argument, NULL, OPT_BUSY_POLL_BUDGET },
	{ "no-rx-intr", no_argument, NULL, OPT_NO_RX_INTR },
	{ "no-lsc", no_argument, NULL, OPT_NO_LSC },
	{ "stats-period", required_argument, NULL, OPT_STATS_PERIOD },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "slow-work", no_argument, NULL, OPT_SLOW_WORK },
	{ "stats-file", required_argument, NULL, OPT_STATS_FILE },
	{ "fw-sleep-ms", required_argument, NULL, OPT_FW_SLEEP },
	{ NULL, 0, NULL, 0 },
};

/*
 * Parse the application options. Returns 0, 1 after --help (exit 0), or
 * -EINVAL after printing what was wrong (exit 2).
 */
int
tp_parse_args(int argc, char **argv)
{
	bool auto_start = false;
	unsigned long v;
	int opt, rc = 0;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":hia", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			tp_usage(stdout, "dw-testpmd");
			return 1;
		case 'i':
			tp_conf.interactive = true;
			break;
		case 'a':
			auto_start = true;
			break;
		case OPT_PORT:
			if (tp_conf.nb_devargs == TP_MAX_DEVARGS) {
				fprintf(stderr, "dw-testpmd: --port: at most %d\n", TP_MAX_DEVARGS);
				return -EINVAL;
			}
			tp_conf.devargs[tp_conf.nb_devargs++] = optarg;
			break;
		case OPT_RXQ:
			rc = parse_uint("rxq", optarg, 1, TP_MAX_QUEUES, &v);
			tp_conf.nb_rxq = (uint16_t)v;
			break;
		case OPT_RXD:
			rc = parse_uint("rxd", optarg, 32, 4096, &v);
			tp_conf.nb_rxd = (uint16_t)v;
			break;
		case OPT_TXD:
			rc = parse_uint("txd", optarg, 32, 4096, &v);
			tp_conf.nb_txd = (uint16_t)v;
			break;
		case OPT_BURST:
			rc = parse_uint("burst", optarg, 1, TP_MAX_BURST, &v);
			tp_conf.burst = (uint16_t)v;
			break;
		case OPT_MBUFS:
			rc = parse_uint("total-num-mbufs", optarg, 1024, 1u << 24, &v);
			tp_conf.nb_mbufs = (unsigned int)v;
			break;
		case OPT_NB_CORES:
			rc = parse_uint("nb-cores", optarg, 1, RTE_MAX_LCORE, &v);
			tp_conf.nb_cores = (unsigned int)v;
			break;
		case OPT_CONFIG:
			rc = parse_config(optarg);
			break;
		case OPT_FWD:
			rc = tp_engine_parse(optarg, &tp_conf.engine);
			if (rc != 0)
				fprintf(stderr,
					"dw-testpmd: --forward-mode: unknown engine '%s' (io, mac, "
					"macswap, rxonly, txonly, flowgen)\n",
					optarg);
			break;
		case OPT_TOPO:
			if (strcmp(optarg, "paired") == 0)
				tp_conf.topology = TP_TOPO_PAIRED;
			else if (strcmp(optarg, "chained") == 0)
				tp_conf.topology = TP_TOPO_CHAINED;
			else if (strcmp(optarg, "loop") == 0)
				tp_conf.topology = TP_TOPO_LOOP;
			else {
				fprintf(stderr,
					"dw-testpmd: --port-topology: '%s' is not paired, chained "
					"or loop\n",
					optarg);
				rc = -EINVAL;
			}
			break;
		case OPT_TXPKTS:
			rc = parse_uint("txpkts", optarg, 60, 2048, &v);
			tp_conf.txpkts = (uint16_t)v;
			break;
		case OPT_TX_RATE:
			rc = parse_uint("tx-rate", optarg, 0, 1000000000ul, &v);
			tp_conf.tx_rate = v;
			break;
		case OPT_TX_DURATION:
			rc = parse_seconds("tx-duration", optarg, &tp_conf.tx_duration);
			break;
		case OPT_FLOWS:
			rc = parse_uint("flows", optarg, 1, 65536, &v);
			tp_conf.flows = (uint32_t)v;
			break;
		case OPT_TX_FIRST:
			tp_conf.tx_first = true;
			break;
		case OPT_RX_MODE:
			rc = tp_mode_parse(optarg, &tp_conf.mode);
			if (rc != 0)
				fprintf(stderr,
					"dw-testpmd: --rx-mode: '%s' is not poll, interrupt or "
					"adaptive\n",
					optarg);
			break;
		case OPT_SPIN:
			rc = parse_uint("spin-us", optarg, 0, 10000000, &v);
			tp_conf.spin_us = (uint32_t)v;
			break;
		case OPT_BUSY_POLL_BUDGET:
			rc = parse_uint("busy-poll-budget", optarg, 1,
					DW_NAPI_MAX_BUSY_POLL_BUDGET_US, &v);
			tp_conf.busy_poll_budget_us = (uint32_t)v;
			break;
		case OPT_NO_RX_INTR:
			tp_conf.no_rx_intr = true;
			break;
		case OPT_NO_LSC:
			tp_conf.no_lsc = true;
			break;
		case OPT_STATS_PERIOD:
			rc = parse_seconds("stats-period", optarg, &tp_conf.stats_period);
			break;
		case OPT_DURATION:
			rc = parse_seconds("duration", optarg, &tp_conf.duration);
			break;
		case OPT_SLOW_WORK:
			tp_conf.slow_work = true;
			break;
		case OPT_STATS_FILE:
			tp_conf.stats_file = optarg;
			break;
		case OPT_FW_SLEEP:
			rc = parse_uint("fw-sleep-ms", optarg, 0, 10000, &v);
			tp_conf.fw_sleep_ms = (uint32_t)v;
			break;
		case ':':
			fprintf(stderr, "dw-testpmd: option '%s' needs a value\n",
				argv[optind - 1]);
			rc = -EINVAL;
			break;
		default:
			fprintf(stderr, "dw-testpmd: unknown option '%s' (see --help)\n",
				argv[optind - 1]);
			rc = -EINVAL;
			break;
		}
		if (rc != 0)
			return -EINVAL;
	}
	if (optind < argc) {
		fprintf(stderr, "dw-testpmd: unexpected argument '%s' (see --help)\n",
			argv[optind]);
		return -EINVAL;
	}
	if (tp_conf.interactive && !auto_start)
		tp_conf.auto_start = false;
	if (tp_conf.tx_duration > 0 && tp_conf.engine != TP_FWD_TXONLY &&
	    tp_conf.engine != TP_FWD_FLOWGEN) {
		fprintf(stderr,
			"dw-testpmd: --tx-duration needs --forward-mode=txonly or flowgen\n");
		return -EINVAL;
	}
	return 0;
}
