#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The second part of vlo_route.sh: TCP, UDP (from bound and unbound
# sockets) and raw frames between two local addresses on vlo0, and the
# tools users hook on the device (netem, tc ingress, nftables, generic
# XDP) seeing that traffic. See the header of vlo_route.sh.

export VLO_ROUTE_PART=traffic
# shellcheck source-path=SCRIPTDIR source=vlo_route.sh
source "$(dirname "$0")/vlo_route.sh"
