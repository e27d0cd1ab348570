// SPDX-License-Identifier: GPL-2.0
/*
 * nfq-accept: a netfilter queue listener (libnetfilter_queue) that gives
 * every packet of one queue back to the stack with NF_ACCEPT, as an IDS
 * or a userspace firewall that lets a packet through does.
 *
 *   nfq-accept QUEUE READYFILE
 *
 * Binds queue QUEUE (both families), creates READYFILE once it listens,
 * and runs until killed; on SIGTERM or SIGINT it prints "accepted N" (the
 * packets it gave back) and exits 0. Exits 2 on a setup error.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

static volatile sig_atomic_t stop;
static unsigned long accepted;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg,
		     struct nfq_data *nfa, void *data)
{
	struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);

	(void)msg;
	(void)data;
	if (!ph)
		return -1;
	accepted++;
	return nfq_set_verdict(qh, ntohl(ph->packet_id), NF_ACCEPT, 0, NULL);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct nfq_q_handle *qh;
	struct nfq_handle *h;
	char buf[65536];
	int fd, n;

	if (argc != 3) {
		fprintf(stderr, "usage: nfq-accept QUEUE READYFILE\n");
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	h = nfq_open();
	if (!h) {
		perror("nfq-accept: nfq_open");
		return 2;
	}
	qh = nfq_create_queue(h, (unsigned int)atoi(argv[1]), on_packet, NULL);
	if (!qh || nfq_set_mode(qh, NFQNL_COPY_META, 0) < 0) {
		perror("nfq-accept: queue");
		return 2;
	}
	fd = nfq_fd(h);
	n = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (n < 0) {
		perror("nfq-accept: ready file");
		return 2;
	}
	close(n);
	while (!stop) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			perror("nfq-accept: recv");
			return 2;
		}
		nfq_handle_packet(h, buf, n);
	}
	nfq_destroy_queue(qh);
	nfq_close(h);
	printf("accepted %lu\n", accepted);
	return 0;
}
