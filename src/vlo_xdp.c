// SPDX-License-Identifier: GPL-2.0
/*
 * Native XDP on vlo: per-queue rings and NAPI, the program and its
 * verdicts, and vlo as the target of other devices' XDP redirects.
 *
 * With no program attached, frames from the stack go round through
 * netif_rx() as they always did (vlo_netdev.c). With a program, vlo_xmit()
 * puts each frame in the ring of an RX queue instead, and that queue's
 * NAPI poll copies it into an XDP buffer, runs the program on it and acts
 * on the verdict: a NIC's RX ring, fed by the device's own TX. Frames
 * that other devices' programs redirect to vlo (ndo_xdp_xmit) arrive in
 * the same rings, program or not.
 */

#include <linux/bpf.h>
#include <linux/bpf_trace.h>
#include <linux/etherdevice.h>
#include <linux/filter.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/ptr_ring.h>
#include <linux/skbuff.h>
#include <net/xdp.h>

#include "vlo_compat.h"
#include "vlo.h"

/*
 * veth's 256 lose frames when TCP's segmented bursts meet a poll that
 * runs only after the sending softirq: a little more room.
 */
#define VLO_RING_SIZE 1024

/* A ring entry is an skb (from ndo_start_xmit) or a tagged xdp_frame. */
#define VLO_PTR_FRAME 0x1UL

/*
 * The queue whose poll runs on this CPU right now. A program on vlo that
 * redirects to vlo itself reaches vlo_xdp_xmit() from inside that poll;
 * such frames go to the stack at once, like XDP_TX, instead of back into
 * the ring where the program would see them again, and again.
 */
static DEFINE_PER_CPU(struct vlo_rq *, vlo_polling_rq);

/*
 * The attach error with the MTU that fits, for kernels whose extack
 * cannot format one: netlink reads it after RTNL is released, so it lives
 * as long as the module and is written once, before any device exists.
 */
static char vlo_mtu_msg[80];

static bool vlo_ptr_is_frame(const void *ptr)
{
	return (unsigned long)ptr & VLO_PTR_FRAME;
}

static struct xdp_frame *vlo_ptr_to_frame(void *ptr)
{
	return (struct xdp_frame *)((unsigned long)ptr & ~VLO_PTR_FRAME);
}

static void *vlo_frame_to_ptr(struct xdp_frame *frame)
{
	return (void *)((unsigned long)frame | VLO_PTR_FRAME);
}

static void vlo_ptr_free(void *ptr)
{
	if (vlo_ptr_is_frame(ptr))
		xdp_return_frame(vlo_ptr_to_frame(ptr));
	else
		kfree_skb(ptr);
}

bool vlo_xdp_attached(const struct vlo_priv *priv)
{
	return rcu_access_pointer(priv->xdp_prog);
}

/*
 * The largest frame a single-buffer program can take: a page less the
 * XDP headroom and the shared info an skb built on the page needs.
 */
#define VLO_XDP_HEAD_MAX SKB_WITH_OVERHEAD(PAGE_SIZE - XDP_PACKET_HEADROOM)
#define VLO_XDP_MTU_MAX (VLO_XDP_HEAD_MAX - ETH_HLEN)

/*
 * Small frames share pages: a buffer of 2 KiB at least (tailroom for
 * bpf_xdp_adjust_tail, as a NIC's half-page buffers have), carved from
 * the CPU's page fragment cache rather than a page each.
 */
#define VLO_XDP_MIN_FRAME 2048U

/* The core's cap on fragments, less one: the head page takes the rest. */
#define VLO_XDP_FRAGS_LEN_MAX (VLO_XDP_HEAD_MAX + MAX_SKB_FRAGS * PAGE_SIZE)

static void vlo_rq_count(struct vlo_rq *rq, u64_stats_t *counter)
{
	u64_stats_update_begin(&rq->stats.syncp);
	u64_stats_inc(counter);
	u64_stats_update_end(&rq->stats.syncp);
}

/* A frame the poll took; XMIT: one another device's program sent to vlo. */
static void vlo_rq_count_rx(struct vlo_rq *rq, unsigned int len, bool xmit)
{
	u64_stats_update_begin(&rq->stats.syncp);
	u64_stats_inc(&rq->stats.packets);
	u64_stats_add(&rq->stats.bytes, len);
	if (xmit)
		u64_stats_inc(&rq->stats.xdp_xmit);
	u64_stats_update_end(&rq->stats.syncp);
}

/* Wake the queue's poll, unless it is already on its way. */
static void vlo_rq_kick(struct vlo_rq *rq)
{
	/* The ring entry must be visible before kicked is read (vlo_poll). */
	smp_mb();
	if (!READ_ONCE(rq->kicked) && napi_schedule_prep(&rq->napi)) {
		WRITE_ONCE(rq->kicked, true);
		__napi_schedule(&rq->napi);
	}
}

/*
 * From vlo_xmit() (bottom halves off, under RCU) when a program is
 * attached: the frame waits in its queue's ring for the program.
 */
/* Counted as sent and received when the poll takes it (vlo_stats.c). */
static void vlo_xdp_queue_one(struct net_device *dev, struct vlo_rq *rq,
			      struct sk_buff *skb)
{
	struct vlo_priv *priv = netdev_priv(dev);

	if (unlikely(ptr_ring_produce(&rq->ring, skb))) {
		atomic64_inc(&priv->ring_full);
		kfree_skb(skb);
	}
}

netdev_tx_t vlo_xdp_queue_skb(struct net_device *dev, struct sk_buff *skb)
{
	struct vlo_priv *priv = netdev_priv(dev);
	struct sk_buff *segs, *next;
	struct vlo_rq *rq;

	rq = &priv->rq[skb_get_queue_mapping(skb) %
		       READ_ONCE(dev->real_num_rx_queues)];
	if (likely(!skb_is_gso(skb))) {
		vlo_xdp_queue_one(dev, rq, skb);
		goto kick;
	}
	/*
	 * The features stop GSO once a program is attached; a super-frame
	 * built just before is cut here into the frames a wire would carry.
	 */
	segs = skb_gso_segment(skb, 0);
	if (!segs) {
		/* Nothing to cut after all. */
		vlo_xdp_queue_one(dev, rq, skb);
		goto kick;
	}
	if (IS_ERR(segs)) {
		/* Lost on its way to the ring: headers GSO cannot parse. */
		atomic64_inc(&priv->ring_full);
		kfree_skb(skb);
		return NETDEV_TX_OK;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, skb, next) {
		skb_mark_not_on_list(skb);
		vlo_xdp_queue_one(dev, rq, skb);
	}
kick:
	vlo_rq_kick(rq);
	return NETDEV_TX_OK;
}

/* An skb made from a frame goes to the stack through the queue's GRO. */
static void vlo_frame_to_stack(struct vlo_rq *rq, struct xdp_frame *frame)
{
	struct sk_buff *skb = vlo_build_skb_from_frame(frame, rq->dev);

	if (unlikely(!skb)) {
		xdp_return_frame(frame);
		vlo_rq_count(rq, &rq->stats.xdp_errors);
		return;
	}
	skb_record_rx_queue(skb, rq->xdp_rxq.queue_index);
	napi_gro_receive(&rq->napi, skb);
}

/*
 * ndo_xdp_xmit: another device's program redirected these frames to vlo.
 * Returns how many were taken; the core frees the rest (before 5.13 the
 * driver does: vlo_xdp_xmit_free_refused()). An error means none taken.
 */
int vlo_xdp_xmit(struct net_device *dev, int n, struct xdp_frame **frames,
		 u32 flags)
{
	struct vlo_priv *priv = netdev_priv(dev);
	unsigned int max_len;
	struct vlo_rq *rq;
	int i, taken = 0;

	if (unlikely(flags & ~XDP_XMIT_FLAGS_MASK))
		return -EINVAL;
	/* Rings are torn down only after a grace period once this is off. */
	if (unlikely(!smp_load_acquire(&priv->rings_up) ||
		     !netif_carrier_ok(dev))) {
		atomic64_add(n, &priv->xdp_xmit_errors);
		return -ENETDOWN;
	}

	/* No VLAN tag: vlo carries none (NETIF_F_VLAN_CHALLENGED). */
	max_len = dev->mtu + dev->hard_header_len;
	rq = this_cpu_read(vlo_polling_rq);
	if (rq && rq->dev == dev) {
		/* From vlo's own program: received once more, by the stack. */
		for (i = 0; i < n; i++) {
			unsigned int len = vlo_frame_len(frames[i]);

			if (unlikely(len > max_len))
				break;
			vlo_rq_count_rx(rq, len, true);
			vlo_frame_to_stack(rq, frames[i]);
		}
		taken = i;
		goto out;
	}

	rq = &priv->rq[smp_processor_id() % READ_ONCE(dev->real_num_rx_queues)];
	spin_lock(&rq->ring.producer_lock);
	for (i = 0; i < n; i++) {
		struct xdp_frame *frame = frames[i];

		if (unlikely(vlo_frame_len(frame) > max_len ||
			     __ptr_ring_produce(&rq->ring,
						vlo_frame_to_ptr(frame))))
			break;
	}
	spin_unlock(&rq->ring.producer_lock);
	taken = i;
	if (taken)
		vlo_rq_kick(rq);
out:
	if (taken < n) {
		atomic64_add(n - taken, &priv->xdp_xmit_errors);
		vlo_xdp_xmit_free_refused(frames + taken, n - taken);
	}
	return taken;
}

/* A frame of the stack's, received without a program (just detached). */
static void vlo_skb_to_stack(struct vlo_rq *rq, struct sk_buff *skb)
{
	skb->protocol = eth_type_trans(skb, rq->dev);
	skb_postpull_rcsum(skb, eth_hdr(skb), ETH_HLEN);
	napi_gro_receive(&rq->napi, skb);
}

/* Free what vlo_xdp_copy_skb() filled (the program may have cut some). */
static void vlo_xdp_put_pages(struct xdp_buff *xdp)
{
	unsigned int i, nr = vlo_xdp_buff_nr_frags(xdp);

	for (i = 0; i < nr; i++)
		put_page(skb_frag_page(&xdp_get_shared_info_from_buff(xdp)->frags[i]));
	skb_free_frag(xdp->data_hard_start);
}

/*
 * Copy a frame of the stack's into memory laid out as XDP expects: the
 * head buffer with XDP_PACKET_HEADROOM in front and room for the shared
 * info behind, the rest (multi-buffer programs only) in whole pages.
 * The program may write to the frame, and the stack's own buffers (a TCP
 * retransmit queue, a packet socket's ring) must not see that.
 */
static int vlo_xdp_copy_skb(struct vlo_rq *rq, struct sk_buff *skb,
			    struct xdp_buff *xdp, bool frags)
{
	unsigned int head_len = min_t(unsigned int, skb->len, VLO_XDP_HEAD_MAX);
	unsigned int frame_sz, off = head_len;
	int nr_frags = 0;
	void *head;

	if (skb->len > (frags ? VLO_XDP_FRAGS_LEN_MAX : VLO_XDP_HEAD_MAX))
		return -E2BIG;
	/* The program must see the frame as it would be on a wire. */
	if (skb->ip_summed == CHECKSUM_PARTIAL &&
	    skb_csum_hwoffload_help(skb, 0))
		return -EINVAL;

	/* A whole page for the head of a multi-buffer frame. */
	frame_sz = SKB_DATA_ALIGN(XDP_PACKET_HEADROOM + head_len) +
		   SKB_DATA_ALIGN(sizeof(struct skb_shared_info));
	frame_sz = max(frame_sz, VLO_XDP_MIN_FRAME);
	head = napi_alloc_frag(frame_sz);
	if (!head)
		return -ENOMEM;
	/* A redirected frame before this one may have lent its mem info. */
	rq->xdp_rxq.mem = rq->xdp_mem;
	xdp_init_buff(xdp, frame_sz, &rq->xdp_rxq);
	xdp_prepare_buff(xdp, head, XDP_PACKET_HEADROOM, head_len, true);
	if (skb_copy_bits(skb, 0, xdp->data, head_len))
		goto free;

	while (off < skb->len) {
		unsigned int size = min_t(unsigned int, skb->len - off,
					  PAGE_SIZE);
		struct page *frag = alloc_page(GFP_ATOMIC | __GFP_NOWARN);

		if (!frag)
			goto free;
		vlo_xdp_set_frag(xdp, nr_frags++, frag, size);
		if (skb_copy_bits(skb, off, page_address(frag), size))
			goto free;
		off += size;
	}
	vlo_xdp_set_frags(xdp, nr_frags, skb->len - head_len);
	return 0;
free:
	vlo_xdp_set_frags(xdp, nr_frags, 0);
	vlo_xdp_put_pages(xdp);
	return -ENOMEM;
}

/*
 * The page of an XDP_PASS or XDP_TX becomes an skb for the stack, with
 * what the program left in it and what the sender's skb said of itself
 * (mark, priority and, for XDP_PASS, conntrack, as lo keeps them). CSUM_OK: the checksum
 * was good when the frame arrived (vlo filled it in, or the sender vouched
 * for it); like a NIC that checked it before the program ran, vlo says so
 * whatever the program changed (a program that rewrites covered bytes
 * fixes the checksum, as on any NIC). Otherwise the stack checks it.
 */
static struct sk_buff *vlo_xdp_build_skb(struct vlo_rq *rq,
					 struct xdp_buff *xdp,
					 const struct sk_buff *orig,
					 bool csum_ok, bool keep_ct)
{
	unsigned int metalen = xdp->data - xdp->data_meta;
	struct sk_buff *skb;

	skb = vlo_build_skb_from_buff(xdp);
	if (unlikely(!skb))
		return NULL;
	if (csum_ok) {
		skb->ip_summed = CHECKSUM_UNNECESSARY;
		skb->csum_level = orig->ip_summed == CHECKSUM_UNNECESSARY ?
				  orig->csum_level : 0;
	}
	skb->mark = orig->mark;
	skb->priority = orig->priority;
	/*
	 * An XDP_TX frame is one the program sent: a reply it built must not
	 * arrive tied to the request's conntrack entry.
	 */
	if (keep_ct)
		nf_copy(skb, orig);
	skb_record_rx_queue(skb, rq->xdp_rxq.queue_index);
	skb->protocol = eth_type_trans(skb, rq->dev);
	if (metalen)
		skb_metadata_set(skb, metalen);
	return skb;
}

static void vlo_xdp_exception(struct vlo_rq *rq, struct bpf_prog *prog,
			      u32 act)
{
	trace_xdp_exception(rq->dev, prog, act);
	vlo_rq_count(rq, &rq->stats.xdp_aborted);
}

/* A frame of the stack's, with a program attached. */
static void vlo_xdp_rcv_skb(struct vlo_rq *rq, struct bpf_prog *prog,
			    struct sk_buff *skb)
{
	bool csum_ok = skb->ip_summed == CHECKSUM_PARTIAL ||
		       skb->ip_summed == CHECKSUM_UNNECESSARY;
	struct sk_buff *nskb;
	struct xdp_buff xdp;
	u32 act;

	if (unlikely(vlo_xdp_copy_skb(rq, skb, &xdp,
				      vlo_prog_has_frags(prog)))) {
		vlo_rq_count(rq, &rq->stats.xdp_errors);
		kfree_skb(skb);
		return;
	}

	act = bpf_prog_run_xdp(prog, &xdp);
	switch (act) {
	case XDP_PASS:
	case XDP_TX:
		/*
		 * XDP_TX sends the frame out of vlo, where it is received
		 * again: by the stack, not by the program once more, so that
		 * a program that always answers XDP_TX loops each frame once.
		 */
		nskb = vlo_xdp_build_skb(rq, &xdp, skb, csum_ok,
					 act == XDP_PASS);
		consume_skb(skb);
		if (unlikely(!nskb)) {
			vlo_xdp_put_pages(&xdp);
			vlo_rq_count(rq, &rq->stats.xdp_errors);
			return;
		}
		vlo_rq_count(rq, act == XDP_PASS ? &rq->stats.xdp_pass :
						   &rq->stats.xdp_tx);
		napi_gro_receive(&rq->napi, nskb);
		return;
	case XDP_REDIRECT:
		consume_skb(skb);
		rq->xdp_rxq.mem = rq->xdp_mem;
		if (unlikely(xdp_do_redirect(rq->dev, &xdp, prog))) {
			vlo_xdp_put_pages(&xdp);
			vlo_rq_count(rq, &rq->stats.xdp_errors);
			return;
		}
		vlo_rq_count(rq, &rq->stats.xdp_redirect);
		return;
	default:
		vlo_warn_invalid_xdp_action(rq->dev, prog, act);
		fallthrough;
	case XDP_ABORTED:
		vlo_xdp_exception(rq, prog, act);
		break;
	case XDP_DROP:
		vlo_rq_count(rq, &rq->stats.xdp_drop);
		break;
	}
	vlo_xdp_put_pages(&xdp);
	kfree_skb(skb);
}

/* A frame redirected to vlo, with a program attached. */
static void vlo_xdp_rcv_frame(struct vlo_rq *rq, struct bpf_prog *prog,
			      struct xdp_frame *frame)
{
	struct xdp_frame orig;
	struct xdp_buff xdp;
	u32 act;

	if (unlikely(xdp_frame_has_frags(frame) && !vlo_prog_has_frags(prog))) {
		vlo_rq_count(rq, &rq->stats.xdp_errors);
		xdp_return_frame(frame);
		return;
	}
	xdp_convert_frame_to_buff(frame, &xdp);
	xdp.rxq = &rq->xdp_rxq;
	/*
	 * The frame's memory is its first device's, not vlo's: the program
	 * may free part of it (bpf_xdp_adjust_tail), a redirect passes it on.
	 */
	vlo_rxq_mem_from_frame(&rq->xdp_rxq, frame);
	act = bpf_prog_run_xdp(prog, &xdp);
	switch (act) {
	case XDP_PASS:
	case XDP_TX:
		/* As for the stack's frames: XDP_TX reaches the stack. */
		if (unlikely(xdp_update_frame_from_buff(&xdp, frame)))
			break;
		vlo_rq_count(rq, act == XDP_PASS ? &rq->stats.xdp_pass :
						   &rq->stats.xdp_tx);
		vlo_frame_to_stack(rq, frame);
		return;
	case XDP_REDIRECT:
		/* A failed redirect may have written a new frame over it. */
		orig = *frame;
		if (unlikely(xdp_do_redirect(rq->dev, &xdp, prog))) {
			frame = &orig;
			break;
		}
		vlo_rq_count(rq, &rq->stats.xdp_redirect);
		return;
	default:
		vlo_warn_invalid_xdp_action(rq->dev, prog, act);
		fallthrough;
	case XDP_ABORTED:
		vlo_xdp_exception(rq, prog, act);
		xdp_return_frame(frame);
		return;
	case XDP_DROP:
		vlo_rq_count(rq, &rq->stats.xdp_drop);
		xdp_return_frame(frame);
		return;
	}
	/* A TX or redirect that failed. */
	vlo_rq_count(rq, &rq->stats.xdp_errors);
	xdp_return_frame(frame);
}

static void vlo_rq_rcv(struct vlo_rq *rq, struct bpf_prog *prog, void *ptr)
{
	bool is_frame = vlo_ptr_is_frame(ptr);
	unsigned int len;

	if (is_frame) {
		struct xdp_frame *frame = vlo_ptr_to_frame(ptr);

		len = vlo_frame_len(frame);
		if (prog)
			vlo_xdp_rcv_frame(rq, prog, frame);
		else
			vlo_frame_to_stack(rq, frame);
	} else {
		struct sk_buff *skb = ptr;

		len = skb->len;
		if (prog)
			vlo_xdp_rcv_skb(rq, prog, skb);
		else
			vlo_skb_to_stack(rq, skb);
	}
	vlo_rq_count_rx(rq, len, is_frame);
}

static int vlo_poll(struct napi_struct *napi, int budget)
{
	struct vlo_rq *rq = container_of(napi, struct vlo_rq, napi);
	struct vlo_priv *priv = netdev_priv(rq->dev);
	struct bpf_prog *prog;
	int done = 0;

	/* Frames of other devices' page pools go back the slow way. */
	xdp_set_return_frame_no_direct();
	rcu_read_lock();
	prog = rcu_dereference(priv->xdp_prog);
	this_cpu_write(vlo_polling_rq, rq);
	while (done < budget) {
		void *ptr = __ptr_ring_consume(&rq->ring);

		if (!ptr)
			break;
		vlo_rq_rcv(rq, prog, ptr);
		done++;
	}
	/* Redirects are sent here, so this queue is still the polling one. */
	if (prog)
		xdp_do_flush();
	this_cpu_write(vlo_polling_rq, NULL);
	rcu_read_unlock();
	xdp_clear_return_frame_no_direct();

	if (done < budget && napi_complete_done(napi, done)) {
		/* Producers must see kicked cleared before we look again. */
		smp_store_mb(rq->kicked, false);
		if (unlikely(!__ptr_ring_empty(&rq->ring)) &&
		    napi_schedule_prep(napi)) {
			WRITE_ONCE(rq->kicked, true);
			__napi_schedule(napi);
		}
	}
	return done;
}

static void vlo_rq_stop(struct vlo_rq *rq)
{
	struct vlo_priv *priv = netdev_priv(rq->dev);
	void *ptr;

	napi_disable(&rq->napi);
	/* The device is going down: what is still queued is dropped. */
	while ((ptr = ptr_ring_consume(&rq->ring))) {
		vlo_ptr_free(ptr);
		atomic64_inc(&priv->stop_drops);
	}
	/* One grace period for all queues: vlo_rings_stop(). */
	__netif_napi_del(&rq->napi);
	rq->xdp_rxq.mem = rq->xdp_mem;
	xdp_rxq_info_unreg(&rq->xdp_rxq);
	ptr_ring_cleanup(&rq->ring, NULL);
	rq->kicked = false;
}

static int vlo_rq_start(struct net_device *dev, struct vlo_rq *rq,
			unsigned int index)
{
	int err;

	err = ptr_ring_init(&rq->ring, VLO_RING_SIZE, GFP_KERNEL);
	if (err)
		return err;
	vlo_netif_napi_add(dev, &rq->napi, vlo_poll);
	err = vlo_xdp_rxq_info_reg(&rq->xdp_rxq, dev, index, &rq->napi);
	if (err)
		goto del_napi;
	/* Pages vlo copies frames into are plain pages, freed by refcount. */
	err = xdp_rxq_info_reg_mem_model(&rq->xdp_rxq, MEM_TYPE_PAGE_SHARED,
					 NULL);
	if (err)
		goto unreg;
	rq->xdp_mem = rq->xdp_rxq.mem;
	napi_enable(&rq->napi);
	return 0;
unreg:
	xdp_rxq_info_unreg(&rq->xdp_rxq);
del_napi:
	netif_napi_del(&rq->napi);
	ptr_ring_cleanup(&rq->ring, NULL);
	return err;
}

/* The queues' state, kept from the first ndo_open to the device's end. */
static int vlo_alloc_rqs(struct net_device *dev)
{
	struct vlo_priv *priv = netdev_priv(dev);
	struct vlo_rq *rqs;
	unsigned int i;

	if (priv->rq)
		return 0;
	rqs = kcalloc(dev->num_rx_queues, sizeof(*rqs), GFP_KERNEL);
	if (!rqs)
		return -ENOMEM;
	for (i = 0; i < dev->num_rx_queues; i++) {
		rqs[i].dev = dev;
		u64_stats_init(&rqs[i].stats.syncp);
	}
	/* Counter readers (vlo_read_counters) do not take RTNL. */
	smp_store_release(&priv->rq, rqs);
	return 0;
}

/* From the device's destructor: no reader is left. */
void vlo_free_rqs(struct net_device *dev)
{
	struct vlo_priv *priv = netdev_priv(dev);

	kfree(priv->rq);
	priv->rq = NULL;
}

/* ndo_open: every RX queue gets its ring and NAPI, used or not yet. */
int vlo_rings_start(struct net_device *dev)
{
	struct vlo_priv *priv = netdev_priv(dev);
	unsigned int i;
	int err;

	err = vlo_alloc_rqs(dev);
	if (err)
		return err;
	for (i = 0; i < dev->num_rx_queues; i++) {
		err = vlo_rq_start(dev, &priv->rq[i], i);
		if (err)
			goto stop;
	}
	/* Producers that see this see the rings set up. */
	smp_store_release(&priv->rings_up, true);
	return 0;
stop:
	while (i--)
		vlo_rq_stop(&priv->rq[i]);
	synchronize_net();
	return err;
}

/* ndo_stop: transmits have stopped; redirects stop after a grace period. */
void vlo_rings_stop(struct net_device *dev)
{
	struct vlo_priv *priv = netdev_priv(dev);
	unsigned int i;

	WRITE_ONCE(priv->rings_up, false);
	synchronize_net();
	for (i = 0; i < dev->num_rx_queues; i++)
		vlo_rq_stop(&priv->rq[i]);
	/* No poll may still see a NAPI that the next ndo_open adds again. */
	synchronize_net();
}

static int vlo_xdp_set(struct net_device *dev, struct bpf_prog *prog,
		       struct netlink_ext_ack *extack)
{
	struct vlo_priv *priv = netdev_priv(dev);
	struct bpf_prog *old = rtnl_dereference(priv->xdp_prog);
	bool frags = prog && vlo_prog_has_frags(prog);

	if (prog && !frags && dev->mtu > VLO_XDP_MTU_MAX) {
		vlo_extack_mtu_too_large(extack, vlo_mtu_msg, VLO_XDP_MTU_MAX);
		return -ERANGE;
	}

	rcu_assign_pointer(priv->xdp_prog, prog);
	if (old)
		bpf_prog_put(old);
	/*
	 * A single-buffer program takes no frame longer than a page: the
	 * MTU may not grow past that while it is attached.
	 */
	dev->max_mtu = prog && !frags ? VLO_XDP_MTU_MAX : VLO_MAX_MTU;
	/* Programs see frames as on a wire: no GSO super-frames (fix_features). */
	if (!old != !prog)
		netdev_update_features(dev);
	return 0;
}

/* At module load, before any device exists. */
void vlo_xdp_init(void)
{
	vlo_format_mtu_msg(vlo_mtu_msg, sizeof(vlo_mtu_msg), VLO_XDP_MTU_MAX);
}

int vlo_bpf(struct net_device *dev, struct netdev_bpf *bpf)
{
	switch (bpf->command) {
	case XDP_SETUP_PROG:
		return vlo_xdp_set(dev, bpf->prog, bpf->extack);
	default:
		/* Zero-copy AF_XDP among them: copy mode works without it. */
		return -EOPNOTSUPP;
	}
}

void vlo_read_rq_counters(const struct vlo_rq *rq, u64 *c)
{
	const struct vlo_rq_stats *s = &rq->stats;
	unsigned int start;

	do {
		start = vlo_stats_fetch_begin(&s->syncp);
		c[VLO_RQ_PACKETS] = u64_stats_read(&s->packets);
		c[VLO_RQ_BYTES] = u64_stats_read(&s->bytes);
		c[VLO_RQ_XDP_XMIT] = u64_stats_read(&s->xdp_xmit);
		c[VLO_RQ_XDP_PASS] = u64_stats_read(&s->xdp_pass);
		c[VLO_RQ_XDP_DROP] = u64_stats_read(&s->xdp_drop);
		c[VLO_RQ_XDP_TX] = u64_stats_read(&s->xdp_tx);
		c[VLO_RQ_XDP_REDIRECT] = u64_stats_read(&s->xdp_redirect);
		c[VLO_RQ_XDP_ABORTED] = u64_stats_read(&s->xdp_aborted);
		c[VLO_RQ_XDP_ERRORS] = u64_stats_read(&s->xdp_errors);
	} while (vlo_stats_fetch_retry(&s->syncp, start));
}
