package ui

// rect is an area of the screen, in cells.
type rect struct{ x, y, w, h int }

func (r rect) contains(x, y int) bool {
	return x >= r.x && x < r.x+r.w && y >= r.y && y < r.y+r.h
}

// placement says where the detail pane goes.
type placement uint8

const (
	paneHidden placement = iota
	paneRight            // beside the table, on wide terminals
	paneBelow            // under the table, on tall ones
	paneOnly             // instead of the table, on small ones
)

// The thresholds of the layout, in cells.
const (
	twoLineHeaderAt = 12  // from this height the header has its totals line
	headerAt        = 4   // from this height there is a header at all
	statusLineAt    = 10  // from this height the status line has its own line
	shortHelpAt     = 3   // from this height the short help line is shown
	paneRightAt     = 150 // from this width the detail pane sits beside the table
	paneBelowAt     = 16  // from this body height it sits below the table
	paneMinWidth    = 44
	paneMaxWidth    = 76
	tableMinBelow   = 5 // table lines kept above a pane below it
)

// screen is where everything goes for one terminal size.
type screen struct {
	header, tabs, body, table, detail, extra, status, help rect
	amap                                                   rect // the address-space map, left of the table
	pane                                                   placement
}

// The address-space map's width, and the table width from which it shows.
const (
	amapWidth = 22
	amapAt    = 110
)

// layout divides a w×h terminal. The header, status and help lines give
// way first on short terminals; the detail pane moves from the side to
// below the table to replacing it as space shrinks.
func layout(w, h int, detailShown bool) screen {
	return layoutWith(w, h, detailShown, false, 0, false)
}

// layoutWith is layout with a tab bar under the header (tabs) and extra
// lines under the table for a form, a question or the call log. A form
// (must) takes the whole body when the table would keep fewer than 4
// lines; the log (optional) is dropped when the table would.
func layoutWith(w, h int, detailShown, tabs bool, extra int, must bool) screen {
	w, h = max(0, w), max(0, h)
	var s screen
	headerH := 0
	switch {
	case h >= twoLineHeaderAt:
		headerH = 2
	case h >= headerAt:
		headerH = 1
	}
	statusH := 0
	if h >= statusLineAt {
		statusH = 1
	}
	helpH := 0
	if h >= shortHelpAt {
		helpH = 1
	}
	tabsH := 0
	if tabs && h >= twoLineHeaderAt {
		tabsH = 1
	}
	bodyH := max(0, h-headerH-tabsH-statusH-helpH)
	extraH := 0
	switch {
	case extra <= 0:
	case must && bodyH-extra < 4:
		extraH = bodyH
	case must:
		extraH = extra
	case bodyH-extra >= 8:
		extraH = extra
	case bodyH >= 12: // the table keeps 8 lines; the panels get the rest
		extraH = bodyH - 8
	}
	s.header = rect{0, 0, w, headerH}
	s.tabs = rect{0, headerH, w, tabsH}
	s.extra = rect{0, headerH + tabsH + bodyH - extraH, w, extraH}
	headerH += tabsH
	bodyH -= extraH
	s.body = rect{0, headerH, w, bodyH}
	s.status = rect{0, headerH + bodyH + extraH, w, statusH}
	s.help = rect{0, headerH + bodyH + extraH + statusH, w, helpH}
	s.table = s.body

	if !detailShown {
		return s
	}
	switch {
	case w >= paneRightAt:
		pw := min(max(w*2/5, paneMinWidth), paneMaxWidth)
		s.pane = paneRight
		s.table = rect{0, s.body.y, w - pw, bodyH}
		s.detail = rect{w - pw, s.body.y, pw, bodyH}
	case bodyH >= paneBelowAt:
		th := max(tableMinBelow, bodyH*2/5)
		s.pane = paneBelow
		s.table = rect{0, s.body.y, w, th}
		s.detail = rect{0, s.body.y + th, w, bodyH - th}
	default:
		s.pane = paneOnly
		s.table = rect{0, s.body.y, w, 0}
		s.detail = s.body
	}
	return s
}
