/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The interactive prompt on DPDK's cmdline library. Each verb is a cmdline
 * instance (so the verbs complete with TAB); its arguments are one
 * multi-word token that the verb's handler splits and checks itself.
 * Handlers run on the main thread from tp_prompt_poll().
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_string.h>
#include <cmdline_rdline.h>
#include <cmdline_socket.h>

#include "dw_virtio.h"
#include "testpmd.h"

#define MAX_WORDS 8

static struct cmdline *cl;

struct verb_res {
	cmdline_fixed_string_t verb;
	cmdline_multi_string_t rest;
};

/* Split @p s in place into at most MAX_WORDS words. */
static unsigned int
split(char *s, char **w)
{
	unsigned int n = 0;
	char *save = NULL, *tok;

	for (tok = strtok_r(s, " \t", &save); tok != NULL && n < MAX_WORDS;
	     tok = strtok_r(NULL, " \t", &save))
		w[n++] = tok;
	return n;
}

/* "all" -> every port (returns -1); a number -> that port index; else -2. */
static int
port_arg(const char *s)
{
	char *end;
	unsigned long v;

	if (strcmp(s, "all") == 0)
		return -1;
	v = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v >= tp.nb_ports) {
		printf("Bad port '%s': 'all' or 0..%u\n", s, tp.nb_ports - 1);
		return -2;
	}
	return (int)v;
}

static void
do_start(void)
{
	int rc = tp_fwd_start();

	if (rc == -EALREADY)
		printf("Forwarding is already on\n");
	else if (rc < 0)
		printf("Start failed: %s\n", strerror(-rc));
	else
		printf("Forwarding started: %s, rx mode %s\n", tp_engine_name(tp_conf.engine),
		       dw_napi_mode_name(tp_conf.mode));
}

static void
do_stop(void)
{
	if (tp_fwd_stop() == -EALREADY) {
		printf("Forwarding is already off\n");
		return;
	}
	printf("Forwarding stopped\n");
	tp_stats_summary();
}

static void
do_show(char **w, unsigned int n)
{
	if (n >= 1 && strcmp(w[0], "port") == 0 &&
	    (n == 1 || strcmp(w[1], "stats") == 0 || strcmp(w[1], "info") == 0))
		tp_show_ports();
	else if (n == 1 && strcmp(w[0], "ports") == 0)
		tp_show_ports();
	else if (n == 1 && strcmp(w[0], "lcores") == 0)
		tp_show_lcores();
	else if (n == 1 && strcmp(w[0], "wq") == 0)
		tp_show_wq();
	else if (n == 1 && strcmp(w[0], "pools") == 0)
		tp_show_pools();
	else if (n == 1 && strcmp(w[0], "config") == 0)
		tp_show_config();
	else
		printf(
		    "Usage: show port stats | show lcores | show wq | show pools | show config\n");
}

/* Latency of the last control command of a dwvirtio port, for the reply. */
static void
print_ctrl_result(unsigned int i, const char *what, int rc)
{
	struct dw_virtio_ctrl_stats cs;

	if (rc < 0)
		printf("Port %u: %s failed: %s\n", i, what, strerror(-rc));
	else if (dw_virtio_ctrl_stats_get(tp.ports[i].id, &cs) == 0)
		printf("Port %u: %s done (control command %.1f us, max %.1f us over %" PRIu64 ")\n",
		       i, what, (double)cs.last_ns / 1e3, (double)cs.max_ns / 1e3, cs.cmds);
	else
		printf("Port %u: %s done\n", i, what);
}

/*
 * Receive filters through the device's control queue (dwvirtio ports: the
 * command is sleeping work; forwarding goes on). "set promisc|allmulti N on|off".
 */
static void
do_set_rx_filter(char **w)
{
	bool on = strcmp(w[2], "on") == 0;
	int idx = port_arg(w[1]);
	char what[32];
	unsigned int i;

	if (idx == -2)
		return;
	if (!on && strcmp(w[2], "off") != 0) {
		printf("Usage: set %s all|N on|off\n", w[0]);
		return;
	}
	snprintf(what, sizeof(what), "%s %s", w[0], w[2]);
	for (i = 0; i < tp.nb_ports; i++) {
		if (idx >= 0 && (unsigned int)idx != i)
			continue;
		print_ctrl_result(i, what,
				  strcmp(w[0], "promisc") == 0
				      ? dw_virtio_promisc_set(tp.ports[i].id, on)
				      : dw_virtio_allmulti_set(tp.ports[i].id, on));
	}
}

static void
do_set(char **w, unsigned int n)
{
	enum dw_napi_mode mode;
	enum tp_engine e;
	bool was;
	int rc;

	if (n == 2 && strcmp(w[0], "rx-mode") == 0) {
		if (tp_mode_parse(w[1], &mode) != 0) {
			printf("Bad rx mode '%s': poll, interrupt or adaptive\n", w[1]);
			return;
		}
		rc = tp_set_mode(mode);
		if (rc < 0)
			printf("set rx-mode failed: %s\n", strerror(-rc));
		else
			printf("Rx mode %s\n", dw_napi_mode_name(mode));
	} else if (n == 2 && strcmp(w[0], "fwd") == 0) {
		if (tp_engine_parse(w[1], &e) != 0) {
			printf("Bad engine '%s': io, mac, macswap, rxonly, txonly, flowgen\n",
			       w[1]);
			return;
		}
		/* Engines are picked up at start: restart forwarding around the change. */
		was = tp.forwarding;
		if (was)
			tp_fwd_stop();
		tp_conf.engine = e;
		if (was)
			tp_fwd_start();
		printf("Forwarding engine %s\n", tp_engine_name(e));
	} else if (n == 3 && (strcmp(w[0], "promisc") == 0 || strcmp(w[0], "allmulti") == 0)) {
		do_set_rx_filter(w);
	} else {
		printf("Usage: set rx-mode poll|interrupt|adaptive | set fwd ENGINE | "
		       "set promisc|allmulti all|N on|off\n");
	}
}

static void
port_op(int (*op)(unsigned int), const char *what, int idx)
{
	unsigned int i;
	int rc;

	for (i = 0; i < tp.nb_ports; i++) {
		if (idx >= 0 && (unsigned int)idx != i)
			continue;
		rc = op(i);
		if (rc < 0)
			printf("Port %u: %s: %s\n", i, what, strerror(-rc));
		else
			printf("Port %u: %s done\n", i, what);
	}
}

/* "port config N queue-pairs Q": dwvirtio's MQ command, while forwarding too. */
static void
do_port_config(char **w, unsigned int n)
{
	unsigned long q;
	char *end, what[32];
	int idx;

	if (n != 4 || strcmp(w[2], "queue-pairs") != 0) {
		printf("Usage: port config N queue-pairs Q\n");
		return;
	}
	idx = port_arg(w[1]);
	q = strtoul(w[3], &end, 10);
	if (idx < 0 || *end != '\0' || q == 0 || q > UINT16_MAX) {
		printf("port config takes one port and a queue-pair count >= 1\n");
		return;
	}
	snprintf(what, sizeof(what), "queue-pairs %lu", q);
	print_ctrl_result((unsigned int)idx, what,
			  dw_virtio_queue_pairs_set(tp.ports[idx].id, (uint16_t)q));
}

static void
do_port(char **w, unsigned int n)
{
	int idx;

	if (n >= 1 && strcmp(w[0], "config") == 0) {
		do_port_config(w, n);
		return;
	}
	if (n != 2 || (strcmp(w[0], "stop") != 0 && strcmp(w[0], "start") != 0 &&
		       strcmp(w[0], "reset") != 0 && strcmp(w[0], "remove") != 0)) {
		printf("Usage: port stop|start|reset all|N | port remove N | "
		       "port config N queue-pairs Q\n");
		return;
	}
	idx = port_arg(w[1]);
	if (idx == -2)
		return;
	if (strcmp(w[0], "remove") == 0) {
		/* Works while forwarding: the RMV event goes through the workqueue. */
		if (idx < 0)
			printf("port remove takes one port\n");
		else if (tp_port_inject_removal((unsigned int)idx) < 0)
			printf("Port %d: cannot raise a removal\n", idx);
		else
			printf("Port %d: removal raised\n", idx);
		return;
	}
	/*
	 * A reset works while forwarding: lib/netdev publishes the dummy fast
	 * path and waits for the lcores' bursts before it touches the device.
	 * Stop and start change the lcores' sources, which only a stopped loop
	 * may have changed.
	 */
	if (strcmp(w[0], "reset") == 0) {
		port_op(tp_port_reset, "reset", idx);
		return;
	}
	if (tp.forwarding) {
		printf("Stop forwarding first ('stop'): port stop/start change the lcores' "
		       "sources\n");
		return;
	}
	if (strcmp(w[0], "stop") == 0)
		port_op(tp_port_stop, "stop", idx);
	else
		port_op(tp_port_start, "start", idx);
}

static void
do_help(void)
{
	printf("Commands:\n"
	       "  start                          start forwarding\n"
	       "  stop                           stop forwarding, print the summary\n"
	       "  show port stats                per port counters, link, events\n"
	       "  show lcores                    busy/poll/sleep share, wakeups by reason\n"
	       "  show wq                        workqueue counters (dw_wq_stats_get)\n"
	       "  show pools                     worker pools (dw_pool_stats_get)\n"
	       "  show config                    engine, mode, streams and their lcores\n"
	       "  set rx-mode poll|interrupt|adaptive   at run time (dw_lcore_set_mode)\n"
	       "  set fwd io|mac|macswap|rxonly|txonly|flowgen\n"
	       "  port stop|start all|N          (forwarding stopped)\n"
	       "  port reset all|N               (forwarding may run)\n"
	       "  port remove N                  simulate a hot-unplug (RMV event)\n"
	       "  set promisc|allmulti all|N on|off   dwvirtio ports: control-queue command\n"
	       "  port config N queue-pairs Q    dwvirtio ports: MQ pairs in use (1..started)\n"
	       "  clear port stats               zero the counters\n"
	       "  quit                           stop, close ports, exit\n");
}

static void
verb_cb(void *parsed, struct cmdline *c, void *data)
{
	struct verb_res *r = parsed;
	char *w[MAX_WORDS];
	unsigned int n = 0;

	RTE_SET_USED(c);
	RTE_SET_USED(data);
	if (data != NULL)
		n = split(r->rest, w);
	if (strcmp(r->verb, "start") == 0)
		do_start();
	else if (strcmp(r->verb, "stop") == 0)
		do_stop();
	else if (strcmp(r->verb, "show") == 0)
		do_show(w, n);
	else if (strcmp(r->verb, "set") == 0)
		do_set(w, n);
	else if (strcmp(r->verb, "port") == 0)
		do_port(w, n);
	else if (strcmp(r->verb, "clear") == 0) {
		tp_stats_clear();
		printf("Counters cleared\n");
	} else if (strcmp(r->verb, "help") == 0)
		do_help();
	else if (strcmp(r->verb, "quit") == 0) {
		tp.quit = 1;
		cmdline_quit(cl);
	}
	fflush(stdout);
}

static cmdline_parse_token_string_t tok_bare =
    TOKEN_STRING_INITIALIZER(struct verb_res, verb, "start#stop#help#quit");
static cmdline_parse_token_string_t tok_verb =
    TOKEN_STRING_INITIALIZER(struct verb_res, verb, "show#set#port#clear");
static cmdline_parse_token_string_t tok_rest =
    TOKEN_STRING_INITIALIZER(struct verb_res, rest, TOKEN_STRING_MULTI);

static cmdline_parse_inst_t cmd_bare = {
	.f = verb_cb,
	.data = NULL,
	.help_str = "start | stop | help | quit",
	.tokens = { (void *)&tok_bare, NULL },
};

static cmdline_parse_inst_t cmd_args = {
	.f = verb_cb,
	.data = (void *)1, /* has arguments */
	.help_str = "show ... | set ... | port ... | clear port stats (see 'help')",
	.tokens = { (void *)&tok_verb, (void *)&tok_rest, NULL },
};

static cmdline_parse_ctx_t ctx[] = {
	&cmd_bare,
	&cmd_args,
	NULL,
};

int
tp_prompt_open(void)
{
	printf("Type 'help' for the commands.\n");
	fflush(stdout);
	cl = cmdline_stdin_new(ctx, "dw-testpmd> ");
	if (cl == NULL) {
		TP_LOG(ERR, "cannot open the prompt on stdin");
		return -ENOMEM;
	}
	return 0;
}

int
tp_prompt_poll(int timeout_ms)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };

	if (cl == NULL)
		return 1;
	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	if (cmdline_poll(cl) == RDLINE_EXITED)
		return 1;
	return 0;
}

void
tp_prompt_close(void)
{
	if (cl == NULL)
		return;
	cmdline_stdin_exit(cl);
	cl = NULL;
}
