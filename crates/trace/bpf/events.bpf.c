// SPDX-License-Identifier: GPL-2.0
// rnetstat's tracer: what happens to TCP sockets, at five raw tracepoints, as one record
// each in a ring buffer (struct event below; crates/trace/src/event.rs reads it).
//
// Raw tracepoints take their arguments as the kernel's own pointers; the fields read from
// them are relocated to the running kernel's layout (CO-RE: the types below carry only the
// fields used, matched by name against /sys/kernel/btf/vmlinux when the object is loaded).
//
// Built by scripts/build-bpf (clang -target bpf); the object is committed beside this file.

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef long long s64;

#define SEC(name) __attribute__((section(name), used))
#define CORE __attribute__((preserve_access_index))

// ---- The kernel's types: only what is read. ----

struct ns_common { unsigned int inum; } CORE;
struct net { struct ns_common ns; } CORE;
typedef struct { struct net *net; } possible_net_t;
struct in6_addr { union { u8 u6_addr8[16]; } in6_u; } CORE;
typedef struct { s64 counter; } atomic64_t;

struct sock_common {
    unsigned int skc_daddr;
    unsigned int skc_rcv_saddr;
    unsigned short skc_dport;
    unsigned short skc_num;
    unsigned short skc_family;
    unsigned char skc_state;
    possible_net_t skc_net;
    struct in6_addr skc_v6_daddr;
    struct in6_addr skc_v6_rcv_saddr;
    atomic64_t skc_cookie;
} CORE;

struct inode { unsigned long i_ino; } CORE;
struct socket { int state; } CORE;
struct socket_alloc { struct socket socket; struct inode vfs_inode; } CORE;

struct sock {
    struct sock_common __sk_common;
    u16 sk_protocol;
    struct socket *sk_socket;
} CORE;

struct inet_sock { u16 inet_sport; } CORE;

struct inet_connection_sock {
    u8 icsk_ca_state : 5;
} CORE;

struct net_device { possible_net_t nd_net; } CORE;

struct sk_buff {
    char cb[48];
    struct net_device *dev;
    unsigned char *head;
    u16 network_header;
    u16 transport_header;
    u16 protocol;
} CORE;

// ---- Helpers, by number (linux/bpf.h's enum bpf_func_id). ----

static long (*bpf_probe_read_kernel)(void *dst, u32 size, const void *src) = (void *)113;
static void *(*bpf_ringbuf_reserve)(void *ringbuf, u64 size, u64 flags) = (void *)131;
static void (*bpf_ringbuf_submit)(void *data, u64 flags) = (void *)132;
static u64 (*bpf_ktime_get_ns)(void) = (void *)5;
static u64 (*bpf_get_current_pid_tgid)(void) = (void *)14;
static long (*bpf_get_current_comm)(void *buf, u32 size) = (void *)16;
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*bpf_map_update_elem)(void *map, const void *key, const void *value, u64 flags) = (void *)2;

#define READ(dst, src) bpf_probe_read_kernel(&(dst), sizeof(dst), __builtin_preserve_access_index(&(src)))

// ---- Maps. ----

#define BPF_MAP_TYPE_ARRAY 2
#define BPF_MAP_TYPE_RINGBUF 27

struct {
    int (*type)[BPF_MAP_TYPE_RINGBUF];
    int (*max_entries)[4 << 20];
} EVENTS SEC(".maps");

// [0]: records the ring buffer had no room for (lost, counted).
struct {
    int (*type)[BPF_MAP_TYPE_ARRAY];
    int (*max_entries)[1];
    u32 *key;
    u64 *value;
} LOST SEC(".maps");

// Per socket (namespace, family, addresses, ports), what happened to it since the tracer
// started: read by listings (`--reasons`, JSON `events`) of other rnetstat processes, by
// the map's name. Least recently used sockets go first when it is full.
#define BPF_MAP_TYPE_LRU_HASH 9

struct sk_key {
    u32 netns;
    u16 sport;
    u16 dport;
    u8 family;
    u8 pad[3];
    u8 saddr[16];
    u8 daddr[16];
};

struct sk_counts {
    u32 retrans[3];       // segments: timeout, fast, tail-loss probe
    u32 resets_sent;
    u32 resets_received;
    u32 reset_reason;     // the last reset sent's reason
    u32 drop_reason[4];   // the first four drop reasons seen, and their counts
    u32 drop_count[4];
    u32 drops_other;      // drops for any further reason
};

struct {
    int (*type)[BPF_MAP_TYPE_LRU_HASH];
    int (*max_entries)[65536];
    struct sk_key *key;
    struct sk_counts *value;
} SOCKET_EVENTS SEC(".maps");

_Static_assert(sizeof(struct sk_key) == 44, "crates/trace/src/counts.rs reads 44-byte keys");
_Static_assert(sizeof(struct sk_counts) == 60, "crates/trace/src/counts.rs reads 60-byte counts");

// ---- The record. ----

enum kind { RETRANSMIT = 1, RESET_SENT = 2, RESET_RECEIVED = 3, DROP = 4, STATE = 5 };

struct event {
    u64 time_ns;      // CLOCK_MONOTONIC
    u64 cookie;       // the socket's cookie; 0: none yet, or no socket
    u32 netns;        // the network namespace's inode
    u32 pid;          // the task the kernel was running (may be unrelated in softirq)
    u32 reason;       // drop or reset reason, as the kernel's enum numbers it; retransmit:
                      // the segments sent again
    u32 inode;        // the socket's inode (0: no file)
    u16 sport;        // local port, host order
    u16 dport;        // remote port, host order
    u8 kind;
    u8 family;        // 2 (inet), 10 (inet6)
    u8 protocol;      // 6: TCP
    u8 old_state;
    u8 new_state;     // state: the new state; otherwise the socket's state then
    u8 ca_state;      // retransmit: the congestion-avoidance state (4: loss)
    u8 has_socket;
    u8 pad;
    u8 saddr[16];     // local
    u8 daddr[16];     // remote
    char comm[16];
    u64 sock;         // the kernel's address of the socket: an identity across events only
};

static __attribute__((always_inline)) void lost(void)
{
    u32 k = 0;
    u64 *n = bpf_map_lookup_elem(&LOST, &k);
    if (n)
        __sync_fetch_and_add(n, 1);
}

static __attribute__((always_inline)) struct event *start(u8 kind)
{
    struct event *e = bpf_ringbuf_reserve(&EVENTS, sizeof(struct event), 0);
    if (!e) {
        lost();
        return 0;
    }
    __builtin_memset(e, 0, sizeof(*e));
    e->time_ns = bpf_ktime_get_ns();
    e->pid = bpf_get_current_pid_tgid() >> 32;
    bpf_get_current_comm(e->comm, sizeof(e->comm));
    e->kind = kind;
    return e;
}

// The socket's counts (made when missing), by the identity a record carries.
static __attribute__((always_inline)) struct sk_counts *counts_of(const struct event *e)
{
    struct sk_key k;
    __builtin_memset(&k, 0, sizeof(k));
    k.netns = e->netns;
    k.sport = e->sport;
    k.dport = e->dport;
    k.family = e->family;
    __builtin_memcpy(k.saddr, e->saddr, 16);
    __builtin_memcpy(k.daddr, e->daddr, 16);
    struct sk_counts *c = bpf_map_lookup_elem(&SOCKET_EVENTS, &k);
    if (c)
        return c;
    struct sk_counts zero;
    __builtin_memset(&zero, 0, sizeof(zero));
    bpf_map_update_elem(&SOCKET_EVENTS, &k, &zero, 1 /* BPF_NOEXIST */);
    return bpf_map_lookup_elem(&SOCKET_EVENTS, &k);
}

// The socket's identity: namespace, cookie, inode, family, addresses and ports.
static __attribute__((always_inline)) void from_sock(struct event *e, const struct sock *sk)
{
    struct net *net = 0;
    struct socket *sock = 0;
    e->has_socket = 1;
    READ(net, sk->__sk_common.skc_net.net);
    if (net)
        READ(e->netns, net->ns.inum);
    READ(e->cookie, sk->__sk_common.skc_cookie.counter);
    unsigned char st = 0;
    READ(st, sk->__sk_common.skc_state);
    e->new_state = st;
    e->protocol = 6;
    // A time-wait (6) or request (12) socket is a smaller struct: no file behind it.
    if (st != 6 && st != 12)
        READ(sock, sk->sk_socket);
    if (sock) {
        unsigned long ino = 0;
        READ(ino, ((struct socket_alloc *)sock)->vfs_inode.i_ino);
        e->inode = ino;
    }
    unsigned short family = 0;
    READ(family, sk->__sk_common.skc_family);
    e->family = family;
    e->sock = (u64)sk;
    // A full socket keeps its port in inet_sport after closing unhashes it (skc_num is
    // cleared); a time-wait or request socket has only skc_num.
    if (st != 6 && st != 12) {
        u16 sport = 0;
        READ(sport, ((const struct inet_sock *)sk)->inet_sport);
        e->sport = __builtin_bswap16(sport);
    } else {
        READ(e->sport, sk->__sk_common.skc_num);
    }
    u16 dport = 0;
    READ(dport, sk->__sk_common.skc_dport);
    e->dport = __builtin_bswap16(dport);
    if (family == 2) {
        READ(*(u32 *)e->saddr, sk->__sk_common.skc_rcv_saddr);
        READ(*(u32 *)e->daddr, sk->__sk_common.skc_daddr);
    } else {
        READ(e->saddr, sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
        READ(e->daddr, sk->__sk_common.skc_v6_daddr.in6_u.u6_addr8);
    }
}

// A packet's identity from its headers, seen from the receiver: local is the packet's
// destination. Returns 0 when it is not IPv4/IPv6 carrying TCP or UDP.
static __attribute__((always_inline)) int from_skb(struct event *e, const struct sk_buff *skb)
{
    struct net_device *dev = 0;
    unsigned char *head = 0;
    u16 nh = 0, th = 0, proto = 0;
    READ(dev, skb->dev);
    if (dev) {
        struct net *net = 0;
        READ(net, dev->nd_net.net);
        if (net)
            READ(e->netns, net->ns.inum);
    }
    READ(head, skb->head);
    READ(nh, skb->network_header);
    READ(th, skb->transport_header);
    READ(proto, skb->protocol);
    if (!head || nh == 0xffff || th == 0xffff)
        return 0;
    u8 ip = 0;
    if (proto == __builtin_bswap16(0x0800)) {
        u8 vihl = 0;
        bpf_probe_read_kernel(&vihl, 1, head + nh);
        if ((vihl >> 4) != 4)
            return 0;
        e->family = 2;
        bpf_probe_read_kernel(&ip, 1, head + nh + 9);
        bpf_probe_read_kernel(e->daddr, 4, head + nh + 12);
        bpf_probe_read_kernel(e->saddr, 4, head + nh + 16);
    } else if (proto == __builtin_bswap16(0x86DD)) {
        e->family = 10;
        bpf_probe_read_kernel(&ip, 1, head + nh + 6);
        bpf_probe_read_kernel(e->daddr, 16, head + nh + 8);
        bpf_probe_read_kernel(e->saddr, 16, head + nh + 24);
    } else {
        return 0;
    }
    if (ip != 6 && ip != 17)
        return 0;
    e->protocol = ip;
    u16 ports[2] = {0, 0};
    bpf_probe_read_kernel(ports, 4, head + th);
    e->dport = __builtin_bswap16(ports[0]);
    e->sport = __builtin_bswap16(ports[1]);
    return 1;
}

struct raw_args { u64 args[4]; };

// tcp_retransmit_skb(const struct sock *sk, const struct sk_buff *skb, int err): a
// retransmission the kernel could not send (err) is not one.
SEC("raw_tracepoint/tcp_retransmit_skb")
int retransmit(struct raw_args *ctx)
{
    const struct sock *sk = (const struct sock *)ctx->args[0];
    if ((int)ctx->args[2] != 0)
        return 0;
    struct event *e = start(RETRANSMIT);
    if (!e)
        return 0;
    from_sock(e, sk);
    const struct inet_connection_sock *icsk = (const void *)sk;
    u64 off = __builtin_preserve_field_info(icsk->icsk_ca_state, 0);
    u64 size = __builtin_preserve_field_info(icsk->icsk_ca_state, 1);
    u64 lshift = __builtin_preserve_field_info(icsk->icsk_ca_state, 4);
    u64 rshift = __builtin_preserve_field_info(icsk->icsk_ca_state, 5);
    u64 v = 0;
    if (size <= 8)
        bpf_probe_read_kernel(&v, size & 0xf, (const u8 *)sk + off);
    v <<= lshift;
    v >>= rshift;
    e->ca_state = v;
    // The segments it carried (tcp_skb_pcount: struct tcp_skb_cb's tcp_gso_segs, after
    // seq and end_seq in skb->cb), as tcp_info's total_retrans counts them.
    const struct sk_buff *skb = (const struct sk_buff *)ctx->args[1];
    u16 segs = 0;
    bpf_probe_read_kernel(&segs, 2, (const char *)__builtin_preserve_access_index(&skb->cb) + 8);
    e->reason = segs;
    struct sk_counts *c = counts_of(e);
    if (c) {
        u32 k = v == 4 ? 0 : v == 3 ? 1 : 2;
        if (k == 0)
            __sync_fetch_and_add(&c->retrans[0], segs);
        else if (k == 1)
            __sync_fetch_and_add(&c->retrans[1], segs);
        else
            __sync_fetch_and_add(&c->retrans[2], segs);
    }
    bpf_ringbuf_submit(e, 0);
    return 0;
}

// tcp_send_reset(const struct sock *sk, const struct sk_buff *skb, enum sk_rst_reason reason)
SEC("raw_tracepoint/tcp_send_reset")
int reset_sent(struct raw_args *ctx)
{
    const struct sock *sk = (const struct sock *)ctx->args[0];
    const struct sk_buff *skb = (const struct sk_buff *)ctx->args[1];
    struct event *e = start(RESET_SENT);
    if (!e)
        return 0;
    e->reason = ctx->args[2];
    if (sk)
        from_sock(e, sk);
    else if (!skb || !from_skb(e, skb))
        e->protocol = 6;
    if (e->has_socket) {
        struct sk_counts *c = counts_of(e);
        if (c) {
            __sync_fetch_and_add(&c->resets_sent, 1);
            c->reset_reason = e->reason;
        }
    }
    bpf_ringbuf_submit(e, 0);
    return 0;
}

// tcp_receive_reset(struct sock *sk)
SEC("raw_tracepoint/tcp_receive_reset")
int reset_received(struct raw_args *ctx)
{
    struct event *e = start(RESET_RECEIVED);
    if (!e)
        return 0;
    from_sock(e, (const struct sock *)ctx->args[0]);
    struct sk_counts *c = counts_of(e);
    if (c)
        __sync_fetch_and_add(&c->resets_received, 1);
    bpf_ringbuf_submit(e, 0);
    return 0;
}

// kfree_skb(struct sk_buff *skb, void *location, enum skb_drop_reason reason,
//           struct sock *rx_sk): TCP and UDP packets dropped for a reason the kernel names.
SEC("raw_tracepoint/kfree_skb")
int drop(struct raw_args *ctx)
{
    u32 reason = ctx->args[2];
    // SKB_NOT_DROPPED_YET (0), SKB_CONSUMED (1) and NOT_SPECIFIED (2) are not drops to report.
    if (reason <= 2)
        return 0;
    const struct sk_buff *skb = (const struct sk_buff *)ctx->args[0];
    struct event e;
    __builtin_memset(&e, 0, sizeof(e));
    if (!from_skb(&e, skb))
        return 0;
    struct event *r = start(DROP);
    if (!r)
        return 0;
    u64 t = r->time_ns;
    u32 pid = r->pid;
    __builtin_memcpy(r, &e, sizeof(e));
    r->time_ns = t;
    r->pid = pid;
    r->kind = DROP;
    r->reason = reason;
    bpf_get_current_comm(r->comm, sizeof(r->comm));
    struct sk_counts *c = counts_of(r);
    if (c) {
        int done = 0;
#pragma unroll
        for (int i = 0; i < 4; i++) {
            if (done)
                break;
            if (c->drop_count[i] == 0) {
                c->drop_reason[i] = reason;
                __sync_fetch_and_add(&c->drop_count[i], 1);
                done = 1;
            } else if (c->drop_reason[i] == reason) {
                __sync_fetch_and_add(&c->drop_count[i], 1);
                done = 1;
            }
        }
        if (!done)
            __sync_fetch_and_add(&c->drops_other, 1);
    }
    bpf_ringbuf_submit(r, 0);
    return 0;
}

// inet_sock_set_state(const struct sock *sk, const int oldstate, const int newstate): TCP.
SEC("raw_tracepoint/inet_sock_set_state")
int state(struct raw_args *ctx)
{
    const struct sock *sk = (const struct sock *)ctx->args[0];
    u16 proto = 0;
    READ(proto, sk->sk_protocol);
    if (proto != 6)
        return 0;
    struct event *e = start(STATE);
    if (!e)
        return 0;
    from_sock(e, sk);
    e->old_state = ctx->args[1];
    e->new_state = ctx->args[2];
    bpf_ringbuf_submit(e, 0);
    return 0;
}

_Static_assert(sizeof(struct event) == 104, "crates/trace/src/event.rs reads 104-byte records");

char LICENSE[] SEC("license") = "GPL";
