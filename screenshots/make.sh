#!/usr/bin/env bash
# Makes the README's pictures: runs the real mapscope in a real terminal
# (tmux), captures the screen with its colours, and draws it as PNG.
#
#   screenshots/make.sh            writes screenshots/*.png
#   screenshots/make.sh split ...  only the named pictures
#
# Needs: go, tmux. The renderer (charmbracelet/freeze v0.2.2, resvg, and
# DejaVu Sans Mono from go-fonts/dejavu) is built from the Go module proxy
# through screenshots/go.mod, a small module of its own so the program's
# go.mod does not carry it; after the first run it builds from the module
# cache, offline.
#
# How a picture is made:
#
#   tmux (inner)   runs mapscope in a terminal of the scene's size (120x36
#                  unless the scene sets $cols and $rows); keys are sent to it
#   tmux (outer)   runs a client of the inner one, on a terminal type
#                  without "bce" (see below); capture-pane -p -e -N on it
#                  gives the screen as text with SGR colour escapes
#   ansinorm       rewrites those escapes into the subset freeze draws right
#   freeze         --language ansi: lays the text out as SVG (JetBrains Mono)
#   svg2png        rasterises the SVG with resvg, as freeze would; the few
#                  characters JetBrains Mono lacks (⇄ ✖) come from DejaVu
#                  Sans Mono, as a terminal's font fallback would draw them
#
# Why two tmux servers: Bubble Tea's renderer paints the blank end of a
# line (the selected row's highlight bar) with "erase to end of line" in the
# highlight colour, counting on the terminal's back-colour-erase, and
# tmux 3.3's capture-pane leaves cells cleared that way out: the bar would
# stop at the last character. A tmux client on a terminal type without bce
# (tmux-256color) gets those cells drawn as coloured spaces instead, which
# the outer tmux stores and captures.
#
# Why ansinorm: freeze v0.2.2 loses most backgrounds of real terminal
# output. It ignores backgrounds 40-47, draws 100-107 black, ignores 49/39
# (default colours: a background runs on to the end of the line), ignores
# reverse video, faint and bold, and forgets the style at each line end,
# where tmux carries it over. ansinorm keeps the whole terminal state and
# writes every run of cells as one sequence freeze understands: explicit
# 24-bit foreground and background, reverse video resolved by swapping
# them, faint by blending the foreground into the background.
#
# Why not freeze's own PNG step: (1) its background rectangles sit on a
# grid of font-size/1.68 while the font advances font-size*0.6, so on 120
# columns a highlight drifts a whole cell left of its text, and each is half
# a cell too wide; svg2png puts them back on the text's grid. (2) Its pinned
# wazero v1.8.0 crashes (SIGSEGV) under current Go; screenshots/go.mod pins
# v1.12.0.
#
# Known limit: bold is drawn regular (freeze embeds only the regular face).
set -euo pipefail

cd "$(dirname "$0")/.."
out=$PWD/screenshots

# The terminal's size; a scene may set its own (the address-space map, the
# detail pane's place and the split view depend on it).
cols=120
rows=36
# The terminal's default colours: those mapscope's dark theme is designed
# against. The inner tmux answers the program's OSC 10/11 query with them
# (so it picks its dark theme), and the picture paints them.
fg='#d0d0d0'
bg='#1e1e1e'

command -v tmux >/dev/null || {
	echo "make.sh: needs tmux (apt-get install tmux)" >&2
	exit 1
}

tmp=$(mktemp -d)
# tmux servers of our own, their sockets in $tmp: no other tmux session is
# touched, and nothing is left behind.
inner=$tmp/inner.sock
outer=$tmp/outer.sock
cleanup() {
	tmux -S "$outer" kill-server 2>/dev/null || true
	tmux -S "$inner" kill-server 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== build"
go build -o "$tmp/mapscope" .
go build -C screenshots -o "$tmp/freeze" github.com/charmbracelet/freeze
go build -C screenshots -o "$tmp/ansinorm" ./ansinorm
go build -C screenshots -o "$tmp/svg2png" ./svg2png

# inner: the terminal mapscope runs in. It answers colour queries with
# $fg/$bg and sends 24-bit colour to its client.
cat >"$tmp/inner.conf" <<EOF
set -g window-style 'fg=$fg,bg=$bg'
set -g status off
set -g escape-time 0
set -as terminal-features ',*:RGB'
EOF
cat >"$tmp/outer.conf" <<EOF
set -g status off
set -g escape-time 0
EOF

# wait_for TEXT: until the screen shows TEXT (a fixed string), 15 s at most.
wait_for() {
	local _
	for _ in $(seq 150); do
		if tmux -S "$inner" capture-pane -p -t shot 2>/dev/null | grep -qF -- "$1"; then
			return 0
		fi
		sleep 0.1
	done
	echo "make.sh: the screen never showed \"$1\"; it shows:" >&2
	tmux -S "$inner" capture-pane -p -t shot >&2 || true
	exit 1
}

# shot NAME STEP...: starts mapscope in lab mode (its own idle subject,
# with the flags in the array $flags) in a $cols x $rows terminal, waits for
# the table, runs the steps in order, lets the screen settle and writes
# screenshots/NAME.png. A step is one of
#   wait:TEXT  wait until the screen shows TEXT: a call has returned, a
#              form is open; calls run in the subject through ptrace and
#              take their time, and a key sent before the screen is ready
#              could land elsewhere
#   type:TEXT  TEXT typed as is (send-keys -l), for the C console: no key
#              names, and a trailing ";" (which tmux takes for a command
#              separator) is sent escaped
#   a key      for tmux send-keys: a key name (Enter, Tab, Right, Space,
#              C-u, ?) or text typed as is (4k)
# With names on the command line, only those pictures are made.
flags=()
wanted=("$@")
shot() {
	local name=$1 step text
	shift
	if ((${#wanted[@]})) && [[ " ${wanted[*]} " != *" $name "* ]]; then
		return 0
	fi
	tmux -S "$inner" -f "$tmp/inner.conf" new-session -d -s shot -x "$cols" -y "$rows" \
		"env TERM=xterm-256color COLORTERM=truecolor $tmp/mapscope ${flags[*]}"
	tmux -S "$outer" -f "$tmp/outer.conf" new-session -d -s view -x "$cols" -y "$rows" \
		"env TERM=tmux-256color tmux -S $inner attach -t shot"
	wait_for "[heap]"
	for step in "$@"; do
		case $step in
		wait:*) wait_for "${step#wait:}" ;;
		type:*)
			text=${step#type:}
			[[ $text == *\; ]] && text="${text%;}\\;"
			tmux -S "$inner" send-keys -t shot -l "$text"
			sleep 0.3
			;;
		*)
			tmux -S "$inner" send-keys -t shot "$step"
			sleep 0.3
			;;
		esac
	done
	sleep 1.5 # a refresh or two, and the last key's echo
	tmux -S "$outer" capture-pane -p -e -N -t view >"$tmp/$name.ans"
	tmux -S "$outer" kill-server
	tmux -S "$inner" kill-server

	"$tmp/ansinorm" -cols "$cols" -rows "$rows" -fg "$fg" -bg "$bg" \
		<"$tmp/$name.ans" >"$tmp/$name.txt"
	# PATH: with rsvg-convert on the PATH, freeze would hand the work to it
	# and to whatever fonts the machine has; it is given nothing to find.
	PATH=/nonexistent "$tmp/freeze" --language ansi --background "$bg" \
		--window --border.radius 8 --padding 20 --margin 0 \
		-o "$tmp/$name.svg" "$tmp/$name.txt" >/dev/null
	"$tmp/svg2png" -scale 1.5 "$tmp/$name.svg" "$out/$name.png"
	echo "wrote screenshots/$name.png ($(($(stat -c %s "$out/$name.png") / 1024)) KiB)"
}

echo "== shots"
# Changes glow for --highlight, fading in three steps; 30s keeps them at
# full strength until a scene's picture is taken.
flags=(--highlight 30s)
# The main picture: a 16-page MAP_PRIVATE anonymous mmap from the C console,
# and a write to every fourth page of it (0, 4, 8, 12), so only those are
# present; esc closes the console, enter opens the detail pane on the new
# mapping: its page strip shows the four present pages among twelve that
# are not. 148 columns: the detail pane goes below the table (beside it
# from 150), which keeps the table wide enough (110) for the address-space
# map on its left. The call log holds the mmap and the four writes.
cols=148 rows=46
shot mapscope \
	: wait:"c> " \
	"type:char* p = mmap(NULL, 16*4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);" \
	Enter wait:"MAP_ANONYMOUS, -1, 0) = 0x" \
	"type:for (int i = 0; i < 16; i += 4) p[i*4096] = 'x';" \
	Enter wait:"= 'x'" \
	Escape Enter wait:"4 of 16 present"
# The mmap form with its C preview: MAP_SHARED, backed by a POSIX shared
# memory object (backing: right right picks shm), which the preview shows
# as shm_open, ftruncate, mmap and close.
cols=120 rows=36
shot form \
	m wait:"── mmap" Tab Tab Right Tab Right Right wait:"shm_open("
# The split view and copy-on-write: the same 16-page private mapping with
# pages 0, 4, 8 and 12 written, then f (the child shares them all) and v on
# the mapping's row: both page strips show the four pages shared. Then tab
# to the child and a write of one char at the mapping's start (w, tab right
# picks char, tab, the value c): the kernel copies page 0 for the child, both
# strips show it as each one's own, and the narration says why.
cols=150 rows=42
shot split \
	: wait:"c> " \
	"type:char* p = mmap(NULL, 16*4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);" \
	Enter wait:"MAP_ANONYMOUS, -1, 0) = 0x" \
	"type:for (int i = 0; i < 16; i += 4) p[i*4096] = 'x';" \
	Enter wait:"= 'x'" \
	Escape f wait:"fork() = 0" \
	v wait:"4 of 16 pages shared" \
	Tab wait:"tab → process" \
	w wait:"── write" Tab Right Tab C-u c wait:"= 'c'" \
	Enter wait:"no longer shared"
# A lesson: --lesson fork after five steps (→): the narration panel with the
# step's text and code, the call log with the parent's and the child's calls.
flags=(--highlight 30s --lesson fork)
cols=140 rows=40
shot lesson \
	wait:"Press → to run the first" \
	Right wait:"step 1 of 7" Right wait:"step 2 of 7" Right wait:"step 3 of 7" \
	Right wait:"[child " Right wait:"step 5 of 7"
# The help screen, as a first run without flags shows it; 40 rows hold all
# of it (at 36 its last lines are left below "↓ more").
flags=()
cols=120 rows=40
shot help '?'
