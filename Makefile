# Kestrel - one non-recursive Makefile; objects go under build/.
# Run ./configure first (it writes build/config.mak).

BUILD ?= build
-include $(BUILD)/config.mak

ifeq ($(wildcard $(BUILD)/config.mak),)
$(error run ./configure first)
endif

SUBSYSTEMS := cpu tcg tcg/interp hw bios ui block net system
ifeq ($(HOST_ARCH),x86_64)
SUBSYSTEMS += tcg/x86_64
endif
ifeq ($(HOST_ARCH),aarch64)
SUBSYSTEMS += tcg/aarch64
endif

SRCS := $(foreach d,$(SUBSYSTEMS),$(wildcard $(d)/*.c))
ifneq ($(HAVE_SDL),yes)
SRCS := $(filter-out ui/sdl.c,$(SRCS))
endif
ifneq ($(HAVE_SLIRP),yes)
SRCS := $(filter-out net/slirp.c,$(SRCS))
endif
MAIN_SRC := system/main.c
LIB_SRCS := $(filter-out $(MAIN_SRC),$(SRCS))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
# Option ROMs (pc-bios/*.asm), assembled and embedded as C arrays.
ROM_OBJS := $(BUILD)/pc-bios/linuxboot-rom.o
LIB_OBJS += $(ROM_OBJS)
MAIN_OBJ := $(MAIN_SRC:%.c=$(BUILD)/%.o)
LIB := $(BUILD)/libkestrel.a

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)
UNIT_COMMON := $(filter-out $(UNIT_SRCS),$(wildcard tests/unit/*.c))

# Quiet by default; make V=1 shows the commands.
Q := $(if $(V),,@)

ALL_CFLAGS := $(CFLAGS) -Iinclude -I$(BUILD) -I. $(LIB_CFLAGS) -MMD -MP

.PHONY: kdiff all check check-unit check-guest check-icount check-system bench clean distclean run
all: $(BUILD)/kestrel

$(BUILD)/%.o: %.c $(BUILD)/config.mak
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

WHOLE_LIB := -Wl,--whole-archive $(LIB) -Wl,--no-whole-archive

$(BUILD)/kestrel: $(MAIN_OBJ) $(LIB)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(MAIN_OBJ) $(WHOLE_LIB) $(LIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(UNIT_COMMON) $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -o $@ $< $(UNIT_COMMON) $(LIB) $(LIBS) $(CHECK_LIBS) $(LDFLAGS)

# The differential CPU tester (tests/diff/): the kdiff tool and test_diff,
# which link its objects. -u pulls the JIT backend from the archive when
# it is built, so ir_backend_find("jit") finds it.
DIFF_SRCS := $(filter-out tests/diff/kdiff.c,$(wildcard tests/diff/*.c))
DIFF_OBJS := $(DIFF_SRCS:%.c=$(BUILD)/%.o)
comma := ,
DIFF_LINK := $(if $(filter tcg/x86_64/%,$(LIB_SRCS)),-Wl$(comma)-u$(comma)ir_backend_x86_64)

$(BUILD)/tests/unit/test_diff: tests/unit/test_diff.c $(DIFF_OBJS) $(UNIT_COMMON) $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -o $@ $< $(DIFF_OBJS) $(UNIT_COMMON) $(DIFF_LINK) $(LIB) $(LIBS) $(CHECK_LIBS) $(LDFLAGS)

$(BUILD)/tests/diff/kdiff: $(BUILD)/tests/diff/kdiff.o $(DIFF_OBJS) $(LIB)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(BUILD)/tests/diff/kdiff.o $(DIFF_OBJS) $(DIFF_LINK) $(LIB) $(LIBS)

kdiff: $(BUILD)/tests/diff/kdiff

# Option ROMs: nasm image, then a C file holding it (NAME_rom[] and its size).
$(BUILD)/pc-bios/%.bin: pc-bios/%.asm
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  NASM    $<")
	$(Q)nasm -f bin -o $@ $<

$(BUILD)/pc-bios/linuxboot-rom.c: $(BUILD)/pc-bios/linuxboot.bin
	@$(if $(Q),echo "  GEN     $@")
	$(Q){ echo '/* generated from pc-bios/linuxboot.asm by the Makefile */'; \
	  echo '#include "bios/linux.h"'; \
	  echo 'const uint8_t linux_boot_rom[] = {'; \
	  od -An -v -tx1 $< | sed 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '};'; \
	  echo 'const size_t linux_boot_rom_size = sizeof(linux_boot_rom);'; } >$@.tmp && mv $@.tmp $@

$(BUILD)/pc-bios/%.o: $(BUILD)/pc-bios/%.c
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Guest test programs (nasm).
GUEST_SRCS := $(wildcard tests/guest/*.asm)
GUEST_BINS := $(GUEST_SRCS:tests/guest/%.asm=$(BUILD)/tests/guest/%.bin)
$(BUILD)/tests/guest/%.bin: tests/guest/%.asm $(wildcard tests/guest/*.inc)
	@mkdir -p $(dir $@)
	nasm -f bin -I tests/guest/ -o $@ $<

check-unit: $(UNIT_BINS)
	@tests/unit/run.sh $(UNIT_BINS)

check-guest: $(BUILD)/kestrel $(GUEST_BINS)
	@tests/guest/run.sh $(BUILD)/kestrel $(GUEST_BINS)

# Deterministic mode: the timer tests repeat exactly under -icount.
ICOUNT_BINS := $(addprefix $(BUILD)/tests/guest/,pit.bin icount.bin strings.bin)
check-icount: $(BUILD)/kestrel $(ICOUNT_BINS)
	@tests/guest/icount.sh $(BUILD)/kestrel $(ICOUNT_BINS)

check-system: $(BUILD)/kestrel
	@tests/system/run.sh $(BUILD)/kestrel

check: check-unit check-guest check-icount check-system

bench: $(BUILD)/kestrel
	@CC="$(CC)" tests/bench/run.sh $(BUILD)/kestrel

run: $(BUILD)/kestrel
	$(BUILD)/kestrel -nographic -m 128

clean:
	rm -rf $(BUILD)/cpu $(BUILD)/tcg $(BUILD)/hw $(BUILD)/bios $(BUILD)/ui $(BUILD)/block $(BUILD)/pc-bios \
	       $(BUILD)/net $(BUILD)/system $(BUILD)/tests $(BUILD)/kestrel $(LIB)

distclean:
	rm -rf $(BUILD)

-include $(LIB_OBJS:.o=.d) $(MAIN_OBJ:.o=.d) $(UNIT_BINS:=.d) $(DIFF_OBJS:.o=.d) $(BUILD)/tests/diff/kdiff.d
