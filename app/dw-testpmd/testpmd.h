/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DW_TESTPMD_H
#define DW_TESTPMD_H

/*
 * dw-testpmd internals, shared by its files:
 *   main.c     EAL, start-up, control loop, shutdown
 *   args.c     application options and --help
 *   ports.c    ports through lib/netdev, mempool, events on a workqueue
 *   fwd.c      forwarding engines: the tp_engines ops table, rx handler, generators
 *   lcores.c   streams to lcores, sources, launch/stop, rx mode
 *   stats.c    periodic stats, summary, show commands, telemetry
 *   slow.c     --slow-work: stats export and firmware commands on workqueues
 *   cmds.c     the interactive prompt (DPDK cmdline)
 *
 * Threads: "main" is the EAL main lcore, which runs the control loop and the
 * prompt; "lcore" is a forwarding lcore in its dw_napi loop; "wq" is a work
 * function on a pool workqueue.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "dw_log.h"
#include "dw_napi.h"
#include "dw_netdev.h"
#include "dw_work.h"

extern int testpmd_logtype;
#define TP_LOG(level, fmt, ...) DW_LOG(testpmd_logtype, level, fmt, ##__VA_ARGS__)

#define TP_MAX_PORTS 16
#define TP_MAX_QUEUES 16
#define TP_MAX_STREAMS (TP_MAX_PORTS * TP_MAX_QUEUES)
#define TP_MAX_DEVARGS 16
#define TP_MAX_GENS 64
#define TP_MAX_BURST 64
#define TP_DFL_BURST 32

/** Forwarding engines: indexes of tp_engines[] (fwd.c). */
enum tp_engine {
	TP_FWD_IO = 0,
	TP_FWD_MAC,
	TP_FWD_MACSWAP,
	TP_FWD_RXONLY,
	TP_FWD_TXONLY,
	TP_FWD_FLOWGEN,
	TP_FWD_MAX,
};

/** Port pairing (where a port's received packets go). */
enum tp_topology {
	TP_TOPO_PAIRED = 0, /* 0<->1, 2<->3; an odd last port sends to itself */
	TP_TOPO_CHAINED,    /* 0->1->2->...->0 */
	TP_TOPO_LOOP,	    /* every port to itself */
};

/** One --config entry: rx queue @c queue of port index @c port on @c lcore. */
struct tp_map {
	uint16_t port;
	uint16_t queue;
	unsigned int lcore;
};

/** Options (written by args.c before start-up; main: rw afterwards). */
struct tp_conf {
	const char *devargs[TP_MAX_DEVARGS]; /* --port: opened with dw_netdev_open() */
	unsigned int nb_devargs;
	uint16_t nb_rxq;
	uint16_t nb_rxd, nb_txd;
	uint16_t burst;
	unsigned int nb_mbufs; /* 0: sized from ports and queues */
	unsigned int nb_cores; /* forwarding lcores; 0: every worker lcore */
	struct tp_map map[TP_MAX_STREAMS];
	unsigned int nb_map; /* 0: round-robin */
	enum tp_engine engine;
	enum tp_topology topology;
	enum dw_napi_mode mode;
	uint32_t spin_us;
	uint32_t busy_poll_budget_us; /* adaptive; 0: the library's default */
	uint16_t txpkts;	      /* generated frame size, bytes without CRC */
	uint64_t tx_rate;    /* generated packets per second over all lcores; 0: no limit */
	double tx_duration;  /* seconds of generation, then idle; 0: for ever */
	uint32_t flows;	     /* flowgen: number of flows */
	double duration;     /* seconds; 0: until a signal or quit */
	double stats_period; /* seconds; 0: none */
	bool interactive;
	bool auto_start; /* start forwarding at once (default unless -i) */
	bool slow_work;
	const char *stats_file; /* --slow-work export file */
	uint32_t fw_sleep_ms;	/* --slow-work firmware command sleep */
	bool no_rx_intr;
	bool no_lsc;
	bool tx_first; /* a burst per port before forwarding starts */
};

extern struct tp_conf tp_conf;

/** Per port state. */
struct tp_port {
	uint16_t id;   /* dwork port id */
	int eth_port;  /* DPDK port id behind it, -1 when not an ethdev port */
	bool open;     /* main: rw; wq: ro */
	bool started;  /* main: rw */
	bool removed;  /* set by the RMV event (wq), acted upon by main */
	int sub_id;    /* event subscription, -1 none */
	uint16_t peer; /* index of the port its packets go to */
	struct rte_ether_addr mac;
	uint64_t lsc_events, reset_events, rmv_events; /* wq: wo */
	struct dw_netdev_stats base;		       /* counters at the last clear */
};

/** A stream: one rx queue, forwarded by one lcore. */
struct tp_stream {
	/* Set by main while forwarding is stopped; lcore: ro. */
	uint16_t rx_port, rx_queue; /* port index, queue */
	uint16_t tx_port, tx_queue; /* dwork port id of the peer, the lcore's tx queue */
	uint16_t rx_port_id;	    /* dwork port id */
	unsigned int lcore;
	enum tp_engine engine;
	struct rte_ether_addr tx_src, tx_dst; /* mac engine */
	struct dw_napi_source *src;	      /* main: rw */
	/* lcore: wo; main: ro (relaxed). */
	uint64_t rx_pkts, tx_pkts, drops;
} __rte_cache_aligned;

/** A packet generator (txonly, flowgen): one per lcore and tx port. */
struct tp_gen {
	struct dw_napi_source src;
	struct dw_delayed_work tick; /* BH timer that wakes a rate-limited lcore */
	uint16_t port_id, tx_queue;
	unsigned int lcore;
	enum tp_engine engine;
	struct rte_ether_addr src_mac;
	uint64_t rate; /* pps for this generator; 0: no limit */
	uint64_t start_tsc, stop_tsc, tsc_hz;
	uint32_t flow;	 /* next flowgen flow */
	bool registered; /* main: rw */
	/* lcore: wo; main: ro (relaxed). */
	uint64_t tx_pkts, drops, alloc_fails;
} __rte_cache_aligned;

/** A forwarding lcore. */
struct tp_lcore {
	unsigned int lcore;
	uint16_t tx_queue;	    /* its tx queue on every port */
	bool running;		    /* main: rw */
	struct dw_lcore_stats base; /* counters at start-up, for shares */
};

/** Application state; main: rw unless a field says otherwise. */
struct tp_state {
	struct tp_port ports[TP_MAX_PORTS];
	unsigned int nb_ports;
	struct tp_stream streams[TP_MAX_STREAMS];
	unsigned int nb_streams;
	struct tp_gen gens[TP_MAX_GENS];
	unsigned int nb_gens;
	struct tp_lcore lcores[RTE_MAX_LCORE];
	unsigned int nb_lcores;
	struct rte_mempool *mp;
	struct dw_wq *ctrl_wq; /* port events and driver slow work (ordered) */
	struct dw_wq *slow_wq; /* --slow-work items */
	bool forwarding;
	uint64_t fwd_start_ns;
	volatile int quit; /* set by signals and the prompt */
};

extern struct tp_state tp;

/* args.c */
/** Parse the options after "--". @return 0; 1 after --help; -EINVAL (message printed). */
int tp_parse_args(int argc, char **argv);
void tp_usage(FILE *f, const char *prog);
int tp_mode_parse(const char *s, enum dw_napi_mode *m);

/* ports.c */
/** Open EAL's ports and --port devargs, subscribe to their events. @return 0 or -errno. */
int tp_ports_open(void);
/** Configure and start port index @p idx, make its streams' sources. Main, forwarding off. */
int tp_port_start(unsigned int idx);
/** Free its sources, drain its rx queues, stop it. Main, forwarding off. */
int tp_port_stop(unsigned int idx);
/** Reset through dw_netdev_reset(), wait for DW_NETDEV_EV_RESET (5 s). Main; forwarding may run. */
int tp_port_reset(unsigned int idx);
int tp_port_inject_removal(unsigned int idx);
/** Drain, stop and close every open port. Main, forwarding off. */
void tp_ports_close(void);
/** Close the ports an RMV event marked (forwarding restarted around it). Main. */
void tp_ports_handle_removals(void);
int tp_pool_create(void);
/** Print whether every mbuf is back in the pool. @return The number missing. */
int tp_pool_check(void);

/* fwd.c */
/**
 * A forwarding engine. A new engine is one entry of tp_engines[] (and its
 * enum tp_engine index); nothing else dispatches on the engine.
 */
struct tp_engine_ops {
	const char *name; /* --forward-mode and "set fwd" name */
	/*
	 * A stream's received burst: the engine owns @p pkts, and sends
	 * (tp_fwd_send()) or frees every one. Lcore; no logging, no locks.
	 */
	void (*rx_burst)(struct tp_stream *s, struct rte_mbuf **pkts, uint16_t n);
	bool generates; /* has generator sources (struct tp_gen) on every lcore */
	bool flows;	/* generators cycle through --flows flows */
};

/** The engines, indexed by enum tp_engine. */
extern const struct tp_engine_ops tp_engines[TP_FWD_MAX];
/** Engine named @p s. @return 0; -EINVAL (no such engine). */
int tp_engine_parse(const char *s, enum tp_engine *e);
/** Name of @p e, "?" when out of range. */
const char *tp_engine_name(enum tp_engine e);
/** Rx handler of every stream (arg: struct tp_stream): tp_engines[s->engine].rx_burst. Lcore. */
void tp_rx_handler(uint16_t port, uint16_t q, struct rte_mbuf **pkts, uint16_t n, void *arg);
/** Initialise @p g's napi source and BH timer. @return 0 or -EINVAL. */
int tp_gen_init(struct tp_gen *g);
unsigned int tp_tx_first(uint16_t port_id, uint16_t txq, const struct rte_ether_addr *src);

/* lcores.c */
/** Pick the forwarding lcores and map every rx queue to one. @return 0 or -EINVAL. */
int tp_lcores_setup(void);
/** Register sources (and generators) and launch the lcores. Main. @return 0 or -errno. */
int tp_fwd_start(void);
/** Stop the lcores, unregister sources. Main. @return 0; -EALREADY. */
int tp_fwd_stop(void);
/** dw_lcore_set_mode() on every running forwarding lcore. Any control thread. */
int tp_set_mode(enum dw_napi_mode mode);

/* stats.c */
void tp_stats_period(double seconds);
void tp_stats_summary(void);
void tp_show_ports(void);
void tp_show_lcores(void);
void tp_show_wq(void);
void tp_show_pools(void);
void tp_show_config(void);
void tp_stats_clear(void);
int tp_telemetry_init(void);

/* slow.c */
/** Queue the --slow-work items on tp.slow_wq. Main. */
int tp_slow_start(void);
void tp_slow_stop(void);
void tp_show_slow(void);

/* cmds.c */
int tp_prompt_open(void);
/** Read what the prompt has; returns 1 when the prompt was closed (EOF, quit). */
int tp_prompt_poll(int timeout_ms);
void tp_prompt_close(void);

#endif /* DW_TESTPMD_H */
