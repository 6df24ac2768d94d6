// SPDX-License-Identifier: GPL-2.0
/*
 * link_vlo.so: an empty iproute2 link plugin for kind "vlo", used by the
 * scale cases of `make bench`.
 *
 * For every "type KIND" it parses, ip looks for a link_util named
 * KIND_link_util: first among those it already knows (built in, like
 * dummy's, or loaded earlier), then in $IP_LIB_DIR/link_KIND.so, then in
 * its own binary. A kind it finds nowhere is not remembered, so each
 * "link add ... type vlo" line of an ip -batch file pays a failed open()
 * and a failed symbol search again; dummy pays them never. With this
 * plugin ip remembers vlo as it does dummy, and the creation times compare
 * the kernel's work. ip reads only the leading fields of its struct
 * link_util (next, id, then counts and callbacks, where zero means none);
 * the padding keeps the object larger than any iproute2's struct.
 */

struct vlo_link_util_layout {
	void *next;
	const char *id;
	void *unused[32];
};

struct vlo_link_util_layout vlo_link_util = { .id = "vlo" };
