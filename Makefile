# SPDX-License-Identifier: GPL-2.0
#
# Wrapper around the kernel's build system. The module itself is described
# in Kbuild; everything beyond building lives in scripts/.
#
#   make                       build vlo.ko for the running kernel
#   make KERNELRELEASE=X       build for installed kernel X
#   make KDIR=/path/to/build   build against a kernel build tree
#   make check                 build, lint and run the test suite in a VM
#   make demo                  boot a VM and show vlo carrying traffic

KERNELRELEASE ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KERNELRELEASE)/build
SRC := $(CURDIR)
SCRIPTS := $(SRC)/scripts

# Extra flags for the kernel build (W=1 C=2 ...), passed through untouched.
KBUILD_ARGS ?=

.PHONY: all modules clean kdir-check install uninstall check demo sparse \
	checkpatch lint compat bench check-debug dkms-install deb sign help

all: modules

kdir-check:
	@if [ ! -f "$(KDIR)/Makefile" ]; then \
		echo "vlo: no kernel build tree at KDIR=$(KDIR)" >&2; \
		echo "vlo: install the headers (Debian: apt-get install linux-headers-$(KERNELRELEASE))" >&2; \
		echo "vlo: or point KDIR=/path/to/build or KERNELRELEASE=<version> at installed ones" >&2; \
		exit 2; \
	fi

modules: kdir-check
	$(MAKE) -C $(KDIR) M=$(SRC) $(KBUILD_ARGS) modules

clean:
	@if [ -f "$(KDIR)/Makefile" ]; then $(MAKE) -C $(KDIR) M=$(SRC) clean; fi
	rm -f $(SRC)/src/*.o $(SRC)/src/.*.cmd
	$(MAKE) -C $(SRC)/tests clean

sparse: kdir-check
	$(MAKE) -C $(KDIR) M=$(SRC) C=2 W=1 modules

checkpatch:
	$(SCRIPTS)/checkpatch.sh

lint: checkpatch sparse

install: modules
	$(SCRIPTS)/install.sh install

uninstall:
	$(SCRIPTS)/install.sh uninstall

check:
	$(SCRIPTS)/check.sh

demo:
	$(SCRIPTS)/demo.sh

compat:
	$(SCRIPTS)/compat.sh

bench:
	$(SCRIPTS)/bench.sh

check-debug:
	$(SCRIPTS)/check-debug.sh

dkms-install:
	$(SCRIPTS)/dkms.sh install

deb:
	$(SCRIPTS)/mkdeb.sh

sign: modules
	$(SCRIPTS)/sign.sh

help:
	@sed -n '3,12p' $(SRC)/Makefile
