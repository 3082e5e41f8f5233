package ui

import (
	"image/color"

	"charm.land/lipgloss/v2"

	"mapscope/procmaps"
)

// fadeSteps is how many ever-dimmer styles a highlight passes through
// before it disappears.
const fadeSteps = 3

// palette is the set of colours a theme is drawn with. Styles are built
// from it; nothing else names a colour.
type palette struct {
	// bg is the background the text sits on. The contrast test measures
	// every foreground against it; the projector theme also paints it.
	bg     color.Color
	paint  bool // set bg and fg on the terminal (projector)
	bold   bool // draw body text bold (projector)
	fg     color.Color
	muted  color.Color // secondary text: column titles, labels, help
	border color.Color // rules and separators
	accent color.Color // badge behind the program name
	onAcc  color.Color // text on accent
	key    color.Color // key names in help
	live   color.Color
	paused color.Color
	bad    color.Color // exited, errors
	kinds  []color.Color

	selBg, selFg color.Color // nil selBg: selection is reverse video

	addedFg, changedFg color.Color
	addedBg, changedBg [fadeSteps]color.Color
	removedFg          [fadeSteps]color.Color
}

// kindInfo is the colour and legend text of one kind of mapping.
type kindInfo struct {
	kind                   procmaps.Kind
	light, dark, projector string
	legend                 string
}

var kindInfos = []kindInfo{
	{procmaps.KindCode, "#0550ae", "#82aaff", "#87afff", "executable: program and library text"},
	{procmaps.KindRodata, "#4a5a6a", "#a9b1d6", "#d0d0ff", "read-only file data"},
	{procmaps.KindData, "#116329", "#9ece6a", "#87ff87", "writable private file data (.data)"},
	{procmaps.KindHeap, "#953800", "#ff9e64", "#ffaf5f", "[heap]: the brk area, malloc"},
	{procmaps.KindStack, "#6b5d00", "#e5d06e", "#ffff5f", "[stack]"},
	{procmaps.KindAnonPrivate, "#6639ba", "#bb9af7", "#d7afff", "anonymous private memory (mmap)"},
	{procmaps.KindAnonShared, "#99286e", "#f7a8d8", "#ffafd7", "MAP_SHARED | MAP_ANONYMOUS"},
	{procmaps.KindFileShared, "#a40e26", "#ff8fa3", "#ff9f9f", "MAP_SHARED mapping of a file"},
	{procmaps.KindShm, "#8a2c9a", "#ff7ad9", "#ff87ff", "POSIX / System V shared memory, memfd"},
	{procmaps.KindSpecial, "#0a6b7a", "#7dcfff", "#5fffff", "[vdso] [vvar] [vsyscall]: from the kernel"},
	{procmaps.KindGuard, "#5c636b", "#8d939c", "#b2b2b2", "no access (---p): guards, reservations"},
	{procmaps.KindDeleted, "#b3262e", "#f7768e", "#ff7a7a", "its file was unlinked while mapped"},
}

func hex(s string) color.Color { return lipgloss.Color(s) }

// adaptivePalette is the dark or light theme; lipgloss.LightDark picks
// each colour's variant.
func adaptivePalette(isDark bool) palette {
	ld := lipgloss.LightDark(isDark)
	c := func(light, dark string) color.Color { return ld(hex(light), hex(dark)) }
	p := palette{
		bg:        c("#fafafa", "#1e1e1e"),
		fg:        c("#1f2328", "#d0d0d0"),
		muted:     c("#57606a", "#9a9ea6"),
		border:    c("#808a95", "#6b7280"),
		accent:    c("#0969da", "#7aa2f7"),
		onAcc:     c("#ffffff", "#15161e"),
		key:       c("#0550ae", "#7aa2f7"),
		live:      c("#1a7f37", "#9ece6a"),
		paused:    c("#8a5d00", "#e0af68"),
		bad:       c("#cf222e", "#f7768e"),
		selBg:     c("#d0e2ff", "#2e3c64"),
		selFg:     c("#0b1f33", "#ffffff"),
		addedFg:   c("#0b3d1a", "#e8ffe8"),
		changedFg: c("#4d3800", "#fff4d6"),
		addedBg: [fadeSteps]color.Color{
			c("#bff0c9", "#1f5a30"), c("#d6f5dc", "#1b4326"), c("#ebfaee", "#182e1e"),
		},
		changedBg: [fadeSteps]color.Color{
			c("#ffe88a", "#5a4a14"), c("#fff0b8", "#433816"), c("#fff8df", "#2e2817"),
		},
		removedFg: [fadeSteps]color.Color{
			c("#cf222e", "#ff7a85"), c("#b0454d", "#d9727c"), c("#93595e", "#bb7a80"),
		},
	}
	for _, k := range kindInfos {
		p.setKind(k.kind, c(k.light, k.dark))
	}
	return p
}

// projectorPalette is the classroom theme: a black background, bold text,
// and every text colour at WCAG AAA contrast (7:1) or better against it.
func projectorPalette() palette {
	p := palette{
		bg:        hex("#000000"),
		paint:     true,
		bold:      true,
		fg:        hex("#ffffff"),
		muted:     hex("#d0d0d0"),
		border:    hex("#a8a8a8"),
		accent:    hex("#ffd75f"),
		onAcc:     hex("#000000"),
		key:       hex("#87d7ff"),
		live:      hex("#87ff87"),
		paused:    hex("#ffff5f"),
		bad:       hex("#ff8787"),
		addedFg:   hex("#ffffff"),
		changedFg: hex("#ffffff"),
		addedBg:   [fadeSteps]color.Color{hex("#005f00"), hex("#003f00"), hex("#002000")},
		changedBg: [fadeSteps]color.Color{hex("#4d4d00"), hex("#333300"), hex("#1a1a00")},
		removedFg: [fadeSteps]color.Color{hex("#ff8787"), hex("#e89090"), hex("#d09a9a")},
	}
	for _, k := range kindInfos {
		p.setKind(k.kind, hex(k.projector))
	}
	return p
}

func (p *palette) setKind(k procmaps.Kind, c color.Color) {
	for int(k) >= len(p.kinds) {
		p.kinds = append(p.kinds, p.fg)
	}
	p.kinds[k] = c
}

// kindColor returns the colour of a kind, or the text colour for a kind
// this version does not know.
func (p *palette) kindColor(k procmaps.Kind) color.Color {
	if int(k) < len(p.kinds) {
		return p.kinds[k]
	}
	return p.fg
}
